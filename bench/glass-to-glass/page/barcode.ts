/**
 * The glass-to-glass barcode: a wall-clock time and a frame counter drawn as an 8×8 grid of
 * black/white blocks, protected by a CRC-16 so that a frame read back mid-transition or smeared by
 * the codec is rejected instead of giving a wrong latency.
 *
 * Layout (64 bits, most significant first, row by row): 40 bits of time in 0.1 ms units (modulo
 * 2^40, about 3.5 years), 8 bits of frame counter, 16 bits of CRC-16/CCITT-FALSE over the first
 * 6 bytes. White is 1. Positions are fractions of the frame, so a scaled frame still decodes.
 */

export const BARCODE_COLUMNS = 8;
export const BARCODE_ROWS = 8;
/**
 * The grid's square in the frame, as fractions of the frame's width and height: 160×160 px (20 px
 * blocks) at 640×480. Small on purpose: the rest of the frame is static, as with a camera, so the
 * encoder's work per frame stays realistic (a full-frame barcode made software VP8 fall behind).
 */
export const BARCODE_AREA = { x: 0.375, y: 1 / 3, width: 0.25, height: 1 / 3 } as const;

const TIME_BITS = 40;
const TIME_MODULUS = 2 ** TIME_BITS;
const TIME_UNITS_PER_MS = 10;
/** Mean luma that counts as clearly black (below) or clearly white (above); between is a misread. */
const BLACK_BELOW = 80;
const WHITE_ABOVE = 175;

export interface BarcodeValue {
  /** performance.timeOrigin + performance.now() in ms, to 0.1 ms. */
  timeMs: number;
  /** Frame counter modulo 256. */
  counter: number;
}

export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The 64 bits to draw, as 8 bytes. */
export function encodeBarcode(value: BarcodeValue): Uint8Array {
  const time = Math.round(value.timeMs * TIME_UNITS_PER_MS) % TIME_MODULUS;
  const bytes = new Uint8Array(8);
  // 40 bits do not fit a 32-bit shift: split into the high byte and the low 32 bits.
  bytes[0] = Math.floor(time / 2 ** 32) & 0xff;
  new DataView(bytes.buffer).setUint32(1, time % 2 ** 32);
  bytes[5] = value.counter & 0xff;
  new DataView(bytes.buffer).setUint16(6, crc16(bytes.subarray(0, 6)));
  return bytes;
}

/** Bit `index` (0 = most significant of byte 0). */
export function barcodeBit(bytes: Uint8Array, index: number): boolean {
  return (((bytes[index >> 3] ?? 0) >> (7 - (index & 7))) & 1) === 1;
}

/**
 * Decodes the 64 block lumas (0–255, row by row). Undefined when a block is neither clearly black
 * nor clearly white, or the CRC does not match. `nowMs` (same clock) undoes the 2^40 modulus.
 */
export function decodeBarcode(lumas: ArrayLike<number>, nowMs: number): BarcodeValue | undefined {
  const bytes = new Uint8Array(8);
  for (let index = 0; index < BARCODE_COLUMNS * BARCODE_ROWS; index++) {
    const luma = lumas[index] ?? 128;
    if (luma > BLACK_BELOW && luma < WHITE_ABOVE) return undefined;
    if (luma >= WHITE_ABOVE) bytes[index >> 3] = (bytes[index >> 3] ?? 0) | (1 << (7 - (index & 7)));
  }
  const view = new DataView(bytes.buffer);
  if (crc16(bytes.subarray(0, 6)) !== view.getUint16(6)) return undefined;
  const time = (bytes[0] ?? 0) * 2 ** 32 + view.getUint32(1);
  const now = Math.round(nowMs * TIME_UNITS_PER_MS);
  // The latest time ≤ now (plus a little slack for clock skew between pages) with these low bits.
  const slack = 1000 * TIME_UNITS_PER_MS;
  const full = now + slack - ((((now + slack - time) % TIME_MODULUS) + TIME_MODULUS) % TIME_MODULUS);
  return { timeMs: full / TIME_UNITS_PER_MS, counter: bytes[5] ?? 0 };
}
