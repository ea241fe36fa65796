import { OPUS_FRAME_DURATION_US, OPUS_SAMPLE_RATE_HZ } from "../tracks.ts";
import { DecodeOrder } from "./decode-order.ts";

const FRAME_SAMPLES = (OPUS_SAMPLE_RATE_HZ * OPUS_FRAME_DURATION_US) / 1_000_000;

/**
 * Opus decoder (WebCodecs) for one remote track, producing mono f32 PCM at 48 kHz. Each output is
 * matched to its packet by DecodeOrder (the chunk timestamp, the sequence number's time, only
 * confirms it).
 */
export class OpusDecoder {
  #decoder: AudioDecoder | undefined;
  #onFrame: (sequence: number, samples: Float32Array) => void;
  #onError: (message: string) => void;
  #framesDecoded = 0;
  readonly #order = new DecodeOrder();

  constructor(
    onFrame: (sequence: number, samples: Float32Array) => void,
    onError: (message: string) => void = () => {},
  ) {
    this.#onFrame = onFrame;
    this.#onError = onError;
  }

  get framesDecoded(): number {
    return this.#framesDecoded;
  }

  decode(sequence: number, payload: Uint8Array): void {
    try {
      this.#ensureDecoder().decode(
        new EncodedAudioChunk({ type: "key", timestamp: sequence * OPUS_FRAME_DURATION_US, data: payload }),
      );
      this.#order.submitted(sequence);
    } catch (error) {
      this.#onError(`audio decode failed: ${String(error)}`);
      this.#reset();
    }
  }

  close(): void {
    this.#reset();
  }

  #ensureDecoder(): AudioDecoder {
    if (this.#decoder && this.#decoder.state !== "closed") return this.#decoder;
    // The callbacks belong to this decoder: a failed one must not close its successor, which the
    // next packet may already have created by the time the failure is reported.
    const decoder: AudioDecoder = new AudioDecoder({
      output: (data) => {
        if (this.#decoder === decoder) this.#output(data);
        else data.close();
      },
      error: (error) => {
        if (this.#decoder !== decoder) return;
        this.#onError(`audio decoder error: ${error.message}`);
        this.#reset();
      },
    });
    decoder.configure({ codec: "opus", sampleRate: OPUS_SAMPLE_RATE_HZ, numberOfChannels: 1 });
    this.#decoder = decoder;
    return decoder;
  }

  #output(data: AudioData): void {
    try {
      // Always one 20 ms frame: an Opus packet may say it holds up to 120 ms (a hostile one will),
      // and the playout clock counts one frame per sequence number. Extra samples are cut, missing
      // ones are silence.
      const samples = new Float32Array(FRAME_SAMPLES);
      const frameCount = Math.min(data.numberOfFrames, FRAME_SAMPLES);
      if (frameCount > 0) data.copyTo(samples, { planeIndex: 0, format: "f32-planar", frameCount });
      this.#framesDecoded++;
      const sequence = this.#order.output(Math.round(data.timestamp / OPUS_FRAME_DURATION_US));
      if (sequence !== undefined) this.#onFrame(sequence, samples);
    } catch (error) {
      this.#onError(`audio output failed: ${String(error)}`);
    } finally {
      data.close();
    }
  }

  #reset(): void {
    const old = this.#decoder;
    this.#decoder = undefined;
    this.#order.clear();
    try {
      if (old && old.state !== "closed") old.close();
    } catch {
      // closing a decoder that just failed: it is gone either way
    }
  }
}
