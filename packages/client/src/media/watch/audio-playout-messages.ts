/** Messages between an AudioPlayout node (page) and its processor in the AudioWorklet. */
export const PLAYOUT_PROCESSOR_NAME = "videocall-playout";

export interface PlayoutOptions {
  frameDurationMs: number;
  minTargetMs: number;
  maxTargetMs: number;
  jitterMultiplier: number;
}

export type ToPlayout = {
  type: "frame";
  sequence: number;
  /** When the packet arrived, on the page's performance clock: the jitter estimate needs only differences. */
  arrivalMs: number;
  samples: Float32Array;
};

export interface PlayoutStats {
  /** Root mean square of the samples played in the last report interval (0..1 full scale). */
  rms: number;
  depthMs: number;
  targetDepthMs: number;
  jitterMs: number;
  framesPlayed: number;
  framesConcealed: number;
  framesLate: number;
  framesDiscarded: number;
}

export type FromPlayout = { type: "stats" } & PlayoutStats;
