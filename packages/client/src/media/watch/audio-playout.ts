import { OPUS_FRAME_DURATION_US } from "../tracks.ts";
import type { AudioOutput } from "./audio-output.ts";
import {
  type FromPlayout,
  PLAYOUT_PROCESSOR_NAME,
  type PlayoutOptions,
  type PlayoutStats,
  type ToPlayout,
} from "./audio-playout-messages.ts";

/** Playout stats before the first frame. */
export const EMPTY_PLAYOUT_STATS: Readonly<PlayoutStats> = {
  rms: 0,
  depthMs: 0,
  targetDepthMs: 0,
  jitterMs: 0,
  framesPlayed: 0,
  framesConcealed: 0,
  framesLate: 0,
  framesDiscarded: 0,
};

/** One remote participant's audio playout: a worklet node with its own jitter buffer. */
export class AudioPlayout {
  #node: AudioWorkletNode;
  #stats: PlayoutStats = { ...EMPTY_PLAYOUT_STATS };

  constructor(output: AudioOutput, options: Partial<PlayoutOptions> = {}) {
    const processorOptions: PlayoutOptions = {
      frameDurationMs: OPUS_FRAME_DURATION_US / 1000,
      minTargetMs: 20,
      maxTargetMs: 200,
      jitterMultiplier: 3,
      ...options,
    };
    this.#node = new AudioWorkletNode(output.context, PLAYOUT_PROCESSOR_NAME, {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      processorOptions,
    });
    this.#node.port.onmessage = (event: MessageEvent<FromPlayout>) => {
      const { type: _type, ...stats } = event.data;
      this.#stats = stats;
    };
    this.#node.connect(output.context.destination);
  }

  stats(): PlayoutStats {
    return { ...this.#stats };
  }

  push(sequence: number, arrivalMs: number, samples: Float32Array): void {
    const message: ToPlayout = { type: "frame", sequence, arrivalMs, samples };
    this.#node.port.postMessage(message, [samples.buffer]);
  }

  close(): void {
    this.#node.port.onmessage = null;
    this.#node.port.close();
    this.#node.disconnect();
  }
}
