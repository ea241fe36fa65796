/** Microseconds since the Unix epoch, from the high-resolution clock. Branded so units cannot be mixed. */
export type Micros = number & { readonly __unit: "µs" };
export type Millis = number & { readonly __unit: "ms" };

export function nowMicros(): Micros {
  return Math.round((performance.timeOrigin + performance.now()) * 1000) as Micros;
}
