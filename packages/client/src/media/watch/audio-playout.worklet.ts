/**
 * AudioWorklet processor: plays one remote participant's audio out of an adaptive jitter buffer,
 * pulling one 20 ms frame whenever the previous one is used up. Runs on the audio rendering thread,
 * so the playout clock is the sound card's clock, not a page timer.
 */
import {
  type FromPlayout,
  PLAYOUT_PROCESSOR_NAME,
  type PlayoutOptions,
  type ToPlayout,
} from "./audio-playout-messages.ts";
import { concealFrame } from "./concealment.ts";
import { JitterBuffer } from "./jitter-buffer.ts";

// AudioWorkletGlobalScope is not in TypeScript's DOM library.
declare const sampleRate: number;
declare const currentTime: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(
  name: string,
  processor: new (options: { processorOptions: PlayoutOptions }) => AudioWorkletProcessor,
): void;

const STATS_INTERVAL_S = 0.25;

interface PlayoutFrame {
  samples: Float32Array;
  captureTimeUs: number;
}

class PlayoutProcessor extends AudioWorkletProcessor {
  #buffer: JitterBuffer<PlayoutFrame>;
  #frameSamples: number;
  #current: Float32Array;
  #offset: number;
  #lastFrame: Float32Array | undefined;
  #concealed: Float32Array;
  #silence: Float32Array;
  #sumSquares = 0;
  #sampleCount = 0;
  #playingCaptureTimeUs = 0;
  #playingAtContextTimeS = 0;

  constructor(options: { processorOptions: PlayoutOptions }) {
    super();
    const settings = options.processorOptions;
    this.#buffer = new JitterBuffer<PlayoutFrame>(settings);
    this.#frameSamples = Math.round((settings.frameDurationMs * sampleRate) / 1000);
    this.#concealed = new Float32Array(this.#frameSamples);
    this.#silence = new Float32Array(this.#frameSamples);
    this.#current = this.#silence;
    this.#offset = this.#frameSamples;
    this.port.onmessage = (event: MessageEvent<ToPlayout>) => {
      const message = event.data;
      if (message.type === "extraDelay") {
        this.#buffer.setExtraDelayMs(message.extraDelayMs);
        return;
      }
      const { sequence, arrivalMs, samples, captureTimeUs } = message;
      this.#buffer.push(sequence, arrivalMs, { samples, captureTimeUs }, captureTimeUs / 1000);
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const output = outputs[0];
    const first = output?.[0];
    if (!output || !first) return true;
    let written = 0;
    while (written < first.length) {
      if (this.#offset >= this.#current.length) this.#nextFrame(currentTime + written / sampleRate);
      const count = Math.min(first.length - written, this.#current.length - this.#offset);
      for (let i = 0; i < count; i++) {
        const sample = this.#current[this.#offset + i] ?? 0;
        first[written + i] = sample;
        this.#sumSquares += sample * sample;
      }
      written += count;
      this.#offset += count;
    }
    for (let channel = 1; channel < output.length; channel++) output[channel]?.set(first);
    this.#sampleCount += first.length;
    if (this.#sampleCount >= STATS_INTERVAL_S * sampleRate) this.#report();
    return true;
  }

  /** `startsAtS`: the context time of the frame's first sample. */
  #nextFrame(startsAtS: number): void {
    const slot = this.#buffer.pop();
    this.#offset = 0;
    switch (slot.kind) {
      case "frame":
        this.#current = slot.frame.samples;
        this.#lastFrame = slot.frame.samples;
        this.#playingCaptureTimeUs = slot.frame.captureTimeUs;
        this.#playingAtContextTimeS = startsAtS;
        break;
      case "conceal":
        concealFrame(this.#lastFrame, slot.lossCount, this.#concealed);
        this.#current = this.#concealed;
        break;
      case "silence":
        this.#lastFrame = undefined;
        this.#current = this.#silence;
        break;
    }
  }

  #report(): void {
    const message: FromPlayout = {
      type: "stats",
      playingCaptureTimeUs: this.#playingCaptureTimeUs,
      playingAtContextTimeS: this.#playingAtContextTimeS,
      rms: Math.sqrt(this.#sumSquares / this.#sampleCount),
      ...this.#buffer.stats(),
    };
    this.port.postMessage(message);
    this.#sumSquares = 0;
    this.#sampleCount = 0;
  }
}

registerProcessor(PLAYOUT_PROCESSOR_NAME, PlayoutProcessor);
