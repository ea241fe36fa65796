import type { Codec } from "@videocall/protocol";
import { decoderCodecString } from "../tracks.ts";
import { TrackSelector } from "./track-selector.ts";

/** The fields of a received video frame the gate looks at (never the payload). */
export interface VideoFrameHeader {
  trackId: number;
  codec: Codec;
  keyframe: boolean;
  sequence: number;
  /** Media.layer: the simulcast layer, 0 = lowest (absent: 0). Each layer numbers its own sequence. */
  layer?: number;
}

/**
 * The current layer silent this long while another layer arrives: the relay moved us to that one,
 * so its next key frame is taken (and asked for).
 */
export const LAYER_SILENCE_MS = 300;

/**
 * `configure` is set when the decoder must be (re)configured for a new codec first, whether or not
 * this frame is decoded (so the next key frame finds it ready).
 */
export type GateDecision =
  | { action: "decode"; configure: string | undefined }
  /** `needKeyframe` when the stream cannot continue before a key frame (ask for one). */
  | { action: "drop"; needKeyframe: boolean; configure: string | undefined };

const IGNORE: GateDecision = { action: "drop", needKeyframe: false, configure: undefined };

/**
 * Decides, from the header alone, which received video frames go to the decoder: one track (see
 * TrackSelector), a codec we can decode, one simulcast layer, and after any gap in the sequence, a
 * switch or a decoder error nothing until the next key frame. Any sequence number, track id, layer
 * or codec number is fine: it is compared, never used as a size or a loop bound.
 *
 * Layers: the relay forwards one layer per subscriber and switches at a key frame of the new one.
 * The gate follows: a key frame of a higher layer switches at once (a relay that forwards every
 * layer then shows the best), one of a lower layer once the current layer has been silent for
 * LAYER_SILENCE_MS. A switch reconfigures the decoder (the size changes), and sequence continuity
 * is then checked within the new layer.
 */
export class VideoStreamGate {
  #tracks: TrackSelector;
  #codec: Codec | undefined;
  #needKeyframe = true;
  #lastSequence: number | undefined;
  #layer: number | undefined;
  #layerLastFrameMs = Number.NEGATIVE_INFINITY;

  constructor(options: { takeOverAfterMs?: number } = {}) {
    this.#tracks = new TrackSelector(options);
  }

  get trackId(): number | undefined {
    return this.#tracks.trackId;
  }

  /** The layer being decoded (undefined before the first frame). */
  get layer(): number | undefined {
    return this.#layer;
  }

  offer(frame: VideoFrameHeader, nowMs: number): GateDecision {
    const track = this.#tracks.offer(frame.trackId, frame.keyframe, nowMs);
    if (track === "ignore") return IGNORE;
    if (track === "switched") {
      this.#needKeyframe = true;
      this.#lastSequence = undefined;
      this.#layer = undefined;
    }
    let configure: string | undefined;
    const layer = frame.layer ?? 0;
    if (this.#layer === undefined) {
      this.#layer = layer;
    } else if (layer !== this.#layer) {
      const currentSilent = nowMs - this.#layerLastFrameMs >= LAYER_SILENCE_MS;
      if (!frame.keyframe || !(layer > this.#layer || currentSilent)) {
        return currentSilent ? { action: "drop", needKeyframe: true, configure: undefined } : IGNORE;
      }
      this.#layer = layer;
      this.#lastSequence = undefined;
      this.#needKeyframe = true;
      // A new size: start a fresh decoder on this key frame.
      configure = this.#codec === frame.codec ? decoderCodecString(frame.codec) : undefined;
    }
    this.#layerLastFrameMs = nowMs;
    if (frame.codec !== this.#codec) {
      const codecString = decoderCodecString(frame.codec);
      if (!codecString) return IGNORE;
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
    this.#layer = undefined;
    this.#tracks.reset();
  }
}
