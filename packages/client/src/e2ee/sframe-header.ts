/**
 * The SFrame header (RFC 9605 §4.3): a config byte `X|K(3)|Y|C(3)`, then the KID and the CTR as
 * big-endian unsigned integers in the fewest bytes. A value 0..7 sits in the config byte itself
 * (flag 0); a larger one follows it, and the 3-bit field holds its length minus one (flag 1).
 */
/** KID and CTR are 64-bit unsigned integers on the wire. */
export const MAX_UINT64 = (1n << 64n) - 1n;

export interface SFrameHeader {
  keyId: bigint;
  counter: bigint;
  /** Bytes the header takes at the start of the ciphertext (1..17). */
  byteLength: number;
}

/** Why a header could not be read; a decoder returns it, never throws. */
export type SFrameHeaderErrorReason =
  /** No bytes at all. */
  | "empty"
  /** The config byte announces more KID/CTR bytes than there are. */
  | "truncated"
  /** A value was written in more bytes than needed (or 0..7 written outside the config byte): RFC 9605 §4.3 "MUST be encoded with the minimum number of bytes". */
  | "non-minimal";

export interface SFrameHeaderError {
  reason: SFrameHeaderErrorReason;
}

export type SFrameHeaderResult = { ok: true; header: SFrameHeader } | { ok: false; error: SFrameHeaderError };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// Per-frame path: values below 2^53 (all real counters, all our KIDs) take Number arithmetic, which
// allocates nothing; BigInt shifts cost microseconds per header.
function minimalByteLength(value: bigint): number {
  if (value <= MAX_SAFE) {
    let rest = Number(value);
    let length = 1;
    while (rest >= 256) {
      rest = Math.floor(rest / 256);
      length++;
    }
    return length;
  }
  let length = 7;
  while (value >> BigInt(8 * length) !== 0n) length++;
  return length;
}

function writeBigEndian(out: Uint8Array, offset: number, value: bigint, length: number): void {
  if (value <= MAX_SAFE) {
    let rest = Number(value);
    for (let i = offset + length - 1; i >= offset; i--) {
      out[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
    return;
  }
  let rest = value;
  for (let i = offset + length - 1; i >= offset; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

/** Encodes a header; KID and CTR must be 0..2^64-1 (a RangeError otherwise: that is a caller bug, not input). */
export function encodeSFrameHeader(keyId: bigint, counter: bigint): Uint8Array<ArrayBuffer> {
  if (keyId < 0n || keyId > MAX_UINT64) throw new RangeError(`SFrame KID out of range: ${keyId}`);
  if (counter < 0n || counter > MAX_UINT64) throw new RangeError(`SFrame CTR out of range: ${counter}`);
  const kidLength = keyId < 8n ? 0 : minimalByteLength(keyId);
  const ctrLength = counter < 8n ? 0 : minimalByteLength(counter);
  const out = new Uint8Array(1 + kidLength + ctrLength);
  const kidField = kidLength === 0 ? Number(keyId) : 0x8 | (kidLength - 1);
  const ctrField = ctrLength === 0 ? Number(counter) : 0x8 | (ctrLength - 1);
  out[0] = (kidField << 4) | ctrField;
  if (kidLength > 0) writeBigEndian(out, 1, keyId, kidLength);
  if (ctrLength > 0) writeBigEndian(out, 1 + kidLength, counter, ctrLength);
  return out;
}

/** Reads the header at the start of `bytes` (which may go on with the ciphertext). */
export function decodeSFrameHeader(bytes: Uint8Array): SFrameHeaderResult {
  if (bytes.length === 0) return { ok: false, error: { reason: "empty" } };
  const config = bytes[0]!;
  let offset = 1;
  const readField = (field: number): bigint | SFrameHeaderErrorReason => {
    if ((field & 0x8) === 0) return BigInt(field & 0x7);
    const length = (field & 0x7) + 1;
    if (offset + length > bytes.length) return "truncated";
    // A leading zero byte, or a value that fits in the config byte, is a second spelling of the same value.
    if (bytes[offset] === 0) return "non-minimal";
    let value = 0n;
    for (let i = 0; i < length; i++) value = (value << 8n) | BigInt(bytes[offset + i]!);
    offset += length;
    if (value < 8n) return "non-minimal";
    return value;
  };
  const keyId = readField(config >> 4);
  if (typeof keyId === "string") return { ok: false, error: { reason: keyId } };
  const counter = readField(config & 0xf);
  if (typeof counter === "string") return { ok: false, error: { reason: counter } };
  return { ok: true, header: { keyId, counter, byteLength: offset } };
}
