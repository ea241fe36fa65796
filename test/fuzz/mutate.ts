/**
 * Byte-level and protobuf-aware mutations of valid packets. The byte-level ones (bit flips, byte
 * sets, truncations, inserted varints, splices, random lengths) mostly test the routing-header
 * scan; the structure-aware ones rewrite a length-delimited field's content and fix its length
 * prefixes on the way out, so the bytes pass the scan and reach the decoders behind it (the
 * TrackState and Leave bodies, the nested TrackInfo and Participant messages).
 */
import type { SeededRandom } from "./prng.ts";

/** Values that break parsers: boundaries of varint sizes, wire types, field numbers. */
const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x05, 0x07, 0x08, 0x0d, 0x7f, 0x80, 0x81, 0xfe, 0xff] as const;
const INTERESTING_NUMBERS = [
  0,
  1,
  0x7f,
  0x80,
  0x3fff,
  0x4000,
  0xffff,
  0x1_0000,
  0x10_0000,
  0x10_0001,
  0x7fff_ffff,
  0xffff_ffff,
  0x1_0000_0000,
  Number.MAX_SAFE_INTEGER,
] as const;

export type MutationName =
  | "bit-flip"
  | "byte-set"
  | "truncate"
  | "cut-range"
  | "insert-varint"
  | "duplicate-varint"
  | "duplicate-body"
  | "splice"
  | "random-length"
  | "nested"
  | "retag-body"
  | "random-bytes";

export const MUTATIONS: readonly MutationName[] = [
  "bit-flip",
  "byte-set",
  "truncate",
  "cut-range",
  "insert-varint",
  "duplicate-varint",
  "duplicate-body",
  "splice",
  "random-length",
  "nested",
  "nested",
  "nested", // weighted: the deep decoders are where exceptions hid
  "retag-body",
  "random-bytes",
];

/** What "nested" applies inside a field's content. */
const SHALLOW_MUTATIONS: readonly MutationName[] = [
  "bit-flip",
  "byte-set",
  "truncate",
  "cut-range",
  "insert-varint",
  "duplicate-varint",
  "duplicate-body",
  "splice",
  "random-length",
];

/** Appends `value` as a protobuf varint (up to 2^53). */
export function pushVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function varint(value: number): number[] {
  const out: number[] = [];
  pushVarint(out, value);
  return out;
}

/** One top-level field as found in the bytes. */
interface Field {
  start: number;
  field: number;
  wireType: number;
  /** Where the length prefix starts (length-delimited fields only), else -1. */
  lengthAt: number;
  contentStart: number;
  end: number;
}

/** Reads the fields of a message until the first one that does not parse; never throws. */
export function parseFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  const readVarint = (): number | undefined => {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10 && pos < bytes.length; i++) {
      const byte = bytes[pos++] as number;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return result;
      multiplier *= 128;
    }
    return undefined;
  };
  while (pos < bytes.length) {
    const start = pos;
    const tag = readVarint();
    if (tag === undefined) break;
    const wireType = tag & 7;
    const field = Math.floor(tag / 8);
    let lengthAt = -1;
    let contentStart = pos;
    if (wireType === 0) {
      if (readVarint() === undefined) break;
    } else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else if (wireType === 2) {
      lengthAt = pos;
      const length = readVarint();
      if (length === undefined) break;
      contentStart = pos;
      pos += length;
    } else break;
    if (pos > bytes.length) break;
    fields.push({ start, field, wireType, lengthAt, contentStart, end: pos });
  }
  return fields;
}

function concat(...parts: ArrayLike<number>[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A field rebuilt around new content, with its length prefix fixed. */
function withContent(bytes: Uint8Array, field: Field, content: Uint8Array): Uint8Array {
  return concat(
    bytes.subarray(0, field.lengthAt),
    varint(content.length),
    content,
    bytes.subarray(field.end),
  );
}

/** Applies mutations to packets drawn from a corpus; `random` decides everything. */
export class Mutator {
  readonly #corpus: readonly { bytes: Uint8Array }[];
  readonly #random: SeededRandom;

  constructor(corpus: readonly { bytes: Uint8Array }[], random: SeededRandom) {
    this.#corpus = corpus;
    this.#random = random;
  }

  /** A corpus packet with 1 to 4 stacked mutations. */
  next(): Uint8Array {
    const random = this.#random;
    const original = random.pick(this.#corpus).bytes;
    let bytes = original;
    const count = 1 + (random.chance(0.5) ? 0 : random.int(4));
    for (let i = 0; i < count; i++) bytes = this.mutate(bytes, random.pick(MUTATIONS));
    // Always a fresh array: the relay stamps packets in place, which must not change the corpus.
    return bytes === original || bytes.buffer === original.buffer ? bytes.slice() : bytes;
  }

  /** A valid corpus packet, unchanged (a copy: the relay stamps packets in place). */
  valid(): Uint8Array {
    return this.#random.pick(this.#corpus).bytes.slice();
  }

  mutate(bytes: Uint8Array, mutation: MutationName): Uint8Array {
    const random = this.#random;
    switch (mutation) {
      case "bit-flip": {
        if (bytes.length === 0) return bytes;
        const out = bytes.slice();
        const flips = 1 + random.int(4);
        for (let i = 0; i < flips; i++) {
          const at = random.int(out.length);
          out[at] = (out[at] as number) ^ (1 << random.int(8));
        }
        return out;
      }
      case "byte-set": {
        if (bytes.length === 0) return bytes;
        const out = bytes.slice();
        const value = random.chance(0.5)
          ? random.pick(INTERESTING_BYTES)
          : random.chance(0.5)
            ? ((random.int(16) << 3) | random.int(8)) & 0xff // a plausible tag
            : random.int(256);
        out[random.int(out.length)] = value;
        return out;
      }
      case "truncate":
        return bytes.slice(0, random.int(bytes.length + 1));
      case "cut-range": {
        const from = random.int(bytes.length + 1);
        const to = from + random.int(bytes.length - from + 1);
        return concat(bytes.subarray(0, from), bytes.subarray(to));
      }
      case "insert-varint": {
        const at = random.int(bytes.length + 1);
        let inserted: number[];
        const choice = random.int(4);
        if (choice === 0) inserted = varint(random.pick(INTERESTING_NUMBERS));
        else if (choice === 1)
          inserted = new Array(10 + random.int(3)).fill(0xff); // never ends
        else if (choice === 2) {
          // A whole field: tag then value or length.
          inserted = varint(random.int(20) * 8 + random.int(8));
          pushVarint(inserted, random.pick(INTERESTING_NUMBERS));
        } else inserted = varint(random.nextUint32());
        return concat(bytes.subarray(0, at), inserted, bytes.subarray(at));
      }
      case "duplicate-varint": {
        if (bytes.length === 0) return bytes;
        const at = random.int(bytes.length);
        let end = at;
        while (end < bytes.length && end - at < 10 && (bytes[end] as number) >= 0x80) end++;
        end = Math.min(end + 1, bytes.length);
        const copy = bytes.slice(at, end);
        const times = 1 + random.int(3);
        const parts: ArrayLike<number>[] = [bytes.subarray(0, end)];
        for (let i = 0; i < times; i++) parts.push(copy);
        parts.push(bytes.subarray(end));
        return concat(...parts);
      }
      case "duplicate-body": {
        const fields = parseFields(bytes);
        const field = fields.length > 0 ? random.pick(fields) : undefined;
        if (!field) return concat(bytes, bytes);
        const copy = bytes.subarray(field.start, field.end);
        if (random.chance(0.3)) {
          const other = parseFields(random.pick(this.#corpus).bytes);
          const last = other[other.length - 1];
          if (last) return concat(bytes, random.pick(this.#corpus).bytes.subarray(last.start, last.end));
        }
        return random.chance(0.5) ? concat(bytes, copy) : concat(copy, bytes);
      }
      case "splice": {
        const other = random.pick(this.#corpus).bytes;
        return concat(
          bytes.subarray(0, random.int(bytes.length + 1)),
          other.subarray(random.int(other.length + 1)),
        );
      }
      case "random-length": {
        // Top-level lengths here; "nested" applies this inside bodies, with the outer lengths fixed.
        const lengthFields = parseFields(bytes).filter((f) => f.wireType === 2);
        const field = lengthFields.length > 0 ? random.pick(lengthFields) : undefined;
        if (!field) return bytes;
        const actual = field.end - field.contentStart;
        const lie = random.pick([
          0,
          actual - 1,
          actual + 1,
          actual * 2,
          random.int(256),
          random.pick(INTERESTING_NUMBERS),
        ]);
        return concat(
          bytes.subarray(0, field.lengthAt),
          varint(Math.max(0, lie)),
          bytes.subarray(field.contentStart),
        );
      }
      case "nested":
        return this.#mutateNested(bytes, 0);
      case "retag-body": {
        // The same content under another body's field number: a Media decoded as a TrackState...
        const fields = parseFields(bytes);
        const body = fields.find((f) => f.wireType === 2);
        if (!body) return bytes;
        const tag = varint(random.between(1, 12) * 8 + (random.chance(0.9) ? 2 : random.int(8)));
        return concat(bytes.subarray(0, body.start), tag, bytes.subarray(body.lengthAt));
      }
      case "random-bytes": {
        const junk = random.bytes(random.chance(0.8) ? random.int(32) : random.int(2048));
        // Half of them behind a valid stamp and body tag, to get past the first checks.
        if (random.chance(0.5)) {
          const tag = random.between(2, 11) * 8 + 2;
          return concat([0x0d, 0, 0, 0, 0, tag], varint(junk.length), junk);
        }
        return junk;
      }
    }
  }

  /** Mutates the content of a length-delimited field (at some depth), fixing every length on the way out. */
  #mutateNested(bytes: Uint8Array, depth: number): Uint8Array {
    const random = this.#random;
    const lengthFields = parseFields(bytes).filter((f) => f.wireType === 2);
    const field = lengthFields.length > 0 ? random.pick(lengthFields) : undefined;
    // An empty body (Leave, a TrackState without tracks) gets junk of its own.
    if (!field) return this.mutate(bytes, random.pick(SHALLOW_MUTATIONS));
    const content = bytes.subarray(field.contentStart, field.end);
    const mutated =
      depth < 3 && random.chance(0.6)
        ? this.#mutateNested(content, depth + 1)
        : this.mutate(content, random.pick(SHALLOW_MUTATIONS));
    return withContent(bytes, field, mutated);
  }
}
