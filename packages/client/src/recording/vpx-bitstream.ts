/**
 * The few fields of VP8 (RFC 6386 §9.1) and VP9 (VP9 bitstream spec §6.2) frame headers the CLI
 * needs: whether a frame is a key frame, and a key frame's size (for the WebM track header).
 */

export type VpxCodec = "vp8" | "vp9";

export interface KeyframeInfo {
  width: number;
  height: number;
}

export function isVpxKeyframe(codec: VpxCodec, frame: Uint8Array): boolean {
  if (frame.length === 0) return false;
  const first = frame[0]!;
  if (codec === "vp8") return (first & 0x01) === 0; // frame tag bit 0: 0 = key frame
  const bits = new BitReader(frame);
  if (bits.read(2) !== 2) return false; // frame_marker
  const profile = bits.read(1) | (bits.read(1) << 1);
  if (profile === 3) bits.read(1); // reserved_zero
  if (bits.read(1) === 1) return false; // show_existing_frame
  return bits.read(1) === 0; // frame_type: 0 = KEY_FRAME
}

/** Width and height of a key frame, or undefined for another frame or a header that does not parse. */
export function vpxKeyframeInfo(codec: VpxCodec, frame: Uint8Array): KeyframeInfo | undefined {
  if (!isVpxKeyframe(codec, frame)) return undefined;
  if (codec === "vp8") {
    // 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height (2 scaling bits each).
    if (frame.length < 10 || frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) return undefined;
    return {
      width: (frame[6]! | (frame[7]! << 8)) & 0x3fff,
      height: (frame[8]! | (frame[9]! << 8)) & 0x3fff,
    };
  }
  if (frame.length < 12) return undefined;
  const bits = new BitReader(frame);
  bits.read(2);
  const profile = bits.read(1) | (bits.read(1) << 1);
  if (profile === 3) bits.read(1);
  bits.read(1); // show_existing_frame (0 here)
  bits.read(1); // frame_type
  bits.read(1); // show_frame
  bits.read(1); // error_resilient_mode
  if (bits.read(24) !== 0x498342) return undefined; // frame_sync_code
  // color_config
  if (profile >= 2) bits.read(1); // ten_or_twelve_bit
  const colorSpace = bits.read(3);
  const CS_RGB = 7;
  if (colorSpace !== CS_RGB) {
    bits.read(1); // color_range
    if (profile === 1 || profile === 3) bits.read(3); // subsampling_x, subsampling_y, reserved_zero
  } else if (profile === 1 || profile === 3) {
    bits.read(1);
  }
  return { width: bits.read(16) + 1, height: bits.read(16) + 1 };
}

class BitReader {
  #bitOffset = 0;
  constructor(readonly bytes: Uint8Array) {}

  read(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      const byte = this.bytes[this.#bitOffset >> 3] ?? 0;
      value = value * 2 + ((byte >> (7 - (this.#bitOffset & 7))) & 1);
      this.#bitOffset++;
    }
    return value;
  }
}
