/** Messages between a VideoWatcher (page) and its decoder worker, which renders to an OffscreenCanvas. */
import type {
  FrameMetadata,
  FrameTransformErrorReason,
  FrameTransformSpec,
} from "../transform/frame-transform.ts";

export type ToVideoDecoder =
  /** `transform` runs on every chunk before the decoder (identity when absent). */
  | { type: "init"; canvas: OffscreenCanvas; transform: FrameTransformSpec | undefined }
  | { type: "configure"; codecString: string }
  /**
   * Before the first frame: make the decoder for `codecString` now, so its start overlaps the wait
   * for a key frame; the first `configure` for the same codec keeps it while nothing was decoded.
   */
  | { type: "warmUp"; codecString: string }
  /** `presentAtEpochMs`: when its sound plays (lip sync; the worker holds it ≤ 200 ms), or at once. */
  | {
      type: "chunk";
      timestampUs: number;
      metadata: FrameMetadata;
      payload: ArrayBuffer;
      presentAtEpochMs: number | undefined;
    }
  | { type: "clear" }
  | { type: "close" };

export type FromVideoDecoder =
  /** `chunksHandled`: chunks taken from the message queue so far (decoded, dropped or failed). */
  /**
   * `avSyncHoldMs`: how long the last frame shown was held for lip sync; `captureToRenderMs`: the
   * last frame's render time (epoch ms) minus its capture time (sender clock), NaN before any;
   * `captureToDecodeStartMs` and `captureToDecodedMs` likewise when the worker took the last chunk
   * and when the decoder gave back the last frame.
   */
  | {
      type: "stats";
      framesDecoded: number;
      chunksHandled: number;
      width: number;
      height: number;
      framesDroppedLate: number;
      avSyncHoldMs: number;
      captureToRenderMs: number;
      captureToDecodeStartMs: number;
      captureToDecodedMs: number;
      /** A decoder is configured and waiting or decoding (warmed up, or made at a key frame). */
      decoderConfigured: boolean;
    }
  /** The decoder failed and was reset: the page must ask the publisher for a key frame. */
  | { type: "error"; message: string }
  /** The frame transform refused a chunk (it never reached the decoder): also wait for a key frame. */
  | { type: "transformFailed"; reason: FrameTransformErrorReason; message: string };
