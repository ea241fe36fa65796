import type { Codec } from "@videocall/protocol";
import { decoderCodecString } from "../tracks.ts";
import { TrackSelector } from "./track-selector.ts";

/** The fields of a received video frame the gate looks at (never the payload). */
export interface VideoFrameHeader {
  trackId: number;
  codec: Codec;
  keyframe: boolean;
  sequence: number;
}

/**
 * `configure` is set when the decoder must be (re)configured for a new codec first, whether or not
 * this frame is decoded (so the next key frame finds it ready).
 */
export type GateDecision =
  | { action: "decode"; configure: string | undefined }
  /** `needKeyframe` when the stream cannot continue before a key frame (ask for one). */
  | { action: "drop"; needKeyframe: boolean; configure: string | undefined };

/**
 * Decides, from the header alone, which received video frames go to the decoder: one track (see
 * TrackSelector), a codec we can decode, and after any gap in the sequence, a switch or a decoder
 * error nothing until the next key frame. Any sequence number, track id or codec number is fine:
 * it is compared, never used as a size or a loop bound.
 */
export class VideoStreamGate {
  #tracks: TrackSelector;
  #codec: Codec | undefined;
  #needKeyframe = true;
  #lastSequence: number | undefined;

  constructor(options: { takeOverAfterMs?: number } = {}) {
    this.#tracks = new TrackSelector(options);
  }

  get trackId(): number | undefined {
    return this.#tracks.trackId;
  }

  offer(frame: VideoFrameHeader, nowMs: number): GateDecision {
    const track = this.#tracks.offer(frame.trackId, frame.keyframe, nowMs);
    if (track === "ignore") return { action: "drop", needKeyframe: false, configure: undefined };
    if (track === "switched") {
      this.#needKeyframe = true;
      this.#lastSequence = undefined;
    }
    let configure: string | undefined;
    if (frame.codec !== this.#codec) {
      const codecString = decoderCodecString(frame.codec);
      if (!codecString) return { action: "drop", needKeyframe: false, configure: undefined };
      this.#codec = frame.codec;
      this.#needKeyframe = true;
      configure = codecString;
    }
    const gap = this.#lastSequence !== undefined && frame.sequence !== (this.#lastSequence + 1) >>> 0;
    this.#lastSequence = frame.sequence;
    if (gap) this.#needKeyframe = true;
    if (this.#needKeyframe && !frame.keyframe) return { action: "drop", needKeyframe: true, configure };
    this.#needKeyframe = false;
    return { action: "decode", configure };
  }

  /** The decoder failed (and was reset): nothing decodes before the next key frame. */
  decoderFailed(): void {
    this.#needKeyframe = true;
  }

  /** The publisher stopped its camera: a fresh key frame restarts the stream. */
  reset(): void {
    this.#needKeyframe = true;
    this.#lastSequence = undefined;
    this.#tracks.reset();
  }
}
