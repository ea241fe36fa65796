/**
 * AudioWorklet processor: hands the page the microphone's samples, mixed to mono, 10 ms at a time
 * (the render quantum of 128 samples would cost a message every 2.7 ms). Used where no
 * MediaStreamTrackProcessor exists (Firefox); the page wraps each batch in an AudioData for Opus.
 */
import { CAPTURE_PROCESSOR_NAME, type CapturedSamples } from "./audio-capture-messages.ts";

// AudioWorkletGlobalScope is not in TypeScript's DOM library.
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;

const BATCH_MS = 10;

class CaptureProcessor extends AudioWorkletProcessor {
  #batchSamples = Math.max(128, Math.round((sampleRate * BATCH_MS) / 1000));
  #batch = new Float32Array(this.#batchSamples);
  #filled = 0;
  /** Samples handed over so far: the page's timestamps. */
  #frameIndex = 0;

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0] ?? [];
    const first = channels[0];
    if (!first) return true; // no input connected yet (or the track ended): keep the node alive
    const count = first.length;
    for (let i = 0; i < count; i++) {
      let sum = 0;
      for (const channel of channels) sum += channel[i] ?? 0;
      this.#batch[this.#filled++] = sum / channels.length;
      if (this.#filled === this.#batchSamples) this.#flush();
    }
    return true;
  }

  #flush(): void {
    const message: CapturedSamples = { type: "samples", frameIndex: this.#frameIndex, samples: this.#batch };
    this.port.postMessage(message, [this.#batch.buffer]);
    this.#frameIndex += this.#filled;
    this.#batch = new Float32Array(this.#batchSamples);
    this.#filled = 0;
  }
}

registerProcessor(CAPTURE_PROCESSOR_NAME, CaptureProcessor);
