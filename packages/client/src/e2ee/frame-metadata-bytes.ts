/**
 * The routing fields of a frame as the SFrame metadata (authenticated, not encrypted: RFC 9605 §4.4.3
 * "metadata"): a relay that flips a key-frame flag, moves a frame to another track or alters its
 * capture time makes it fail authentication. Both sides build it from the same FrameMetadata.
 *
 * Layout (15 bytes, big-endian): track id (4) | kind (1) | codec (1) | key frame (1) | capture time µs (8).
 * The sender is not in it: it is the KID's sender, checked against the relay's stamp.
 */
import type { FrameMetadata } from "../media/transform/frame-transform.ts";

export const FRAME_METADATA_BYTES = 15;

export function frameMetadataBytes(metadata: FrameMetadata): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(FRAME_METADATA_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, metadata.trackId >>> 0);
  bytes[4] = metadata.kind & 0xff;
  bytes[5] = metadata.codec & 0xff;
  bytes[6] = metadata.keyframe ? 1 : 0;
  view.setBigUint64(7, BigInt.asUintN(64, metadata.captureTimeUs));
  return bytes;
}
