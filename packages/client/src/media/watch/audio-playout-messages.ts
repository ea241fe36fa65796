/** Messages between an AudioPlayout node (page) and its processor in the AudioWorklet. */
import type { JitterBufferStats } from "./jitter-buffer.ts";

export const PLAYOUT_PROCESSOR_NAME = "videocall-playout";

export interface PlayoutOptions {
  frameDurationMs: number;
  minTargetMs: number;
  maxTargetMs: number;
  jitterMultiplier: number;
}

export type ToPlayout =
  | {
      type: "frame";
      sequence: number;
      /** When the packet arrived, on the page's performance clock: the jitter estimate needs only differences. */
      arrivalMs: number;
      /** The packet's capture time (sender clock, µs), reported back when it plays (lip sync). */
      captureTimeUs: number;
      samples: Float32Array;
    }
  /** Lip sync: the participant's video is held this much longer than the audio plays; wait as much. */
  | { type: "extraDelay"; extraDelayMs: number };

/** The jitter buffer's figures, plus the level of what was played. */
export interface PlayoutStats extends JitterBufferStats {
  /** Root mean square of the samples played in the last report interval (0..1 full scale). */
  rms: number;
}

/**
 * `playingCaptureTimeUs` is the capture time of the last frame played, `playingAtContextTimeS`
 * the AudioContext time its first sample was rendered; 0 / 0 before the first frame. It stays
 * through silence (DTX pauses): the page sees a stale anchor and decides when audio has stopped.
 */
export type FromPlayout = {
  type: "stats";
  playingCaptureTimeUs: number;
  playingAtContextTimeS: number;
} & PlayoutStats;
