/** Frames per second over a sliding window, from a running frame count sampled now and then. */
export class FrameRateMeter {
  readonly windowMs: number;
  #samples: { atMs: number; count: number }[] = [];

  constructor(windowMs = 1000) {
    this.windowMs = windowMs;
  }

  sample(count: number, atMs = performance.now()): void {
    this.#samples.push({ atMs, count });
    // Keep one sample older than the window, so the rate always spans at least the window.
    while (this.#samples.length > 2 && this.#samples[1]!.atMs <= atMs - this.windowMs) this.#samples.shift();
  }

  get fps(): number {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (!first || !last || last.atMs <= first.atMs) return 0;
    return ((last.count - first.count) * 1000) / (last.atMs - first.atMs);
  }
}
