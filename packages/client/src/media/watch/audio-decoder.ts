import { OPUS_FRAME_DURATION_US, OPUS_SAMPLE_RATE_HZ } from "../tracks.ts";

/**
 * Opus decoder (WebCodecs) for one remote track, producing mono f32 PCM at 48 kHz. The packet's
 * sequence number rides in the chunk timestamp so each output can be matched to its packet.
 */
export class OpusDecoder {
  #decoder: AudioDecoder | undefined;
  #onFrame: (sequence: number, samples: Float32Array) => void;
  #onError: (message: string) => void;
  #framesDecoded = 0;

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
    const decoder = new AudioDecoder({
      output: (data) => this.#output(data),
      error: (error) => {
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
      const samples = new Float32Array(data.numberOfFrames);
      data.copyTo(samples, { planeIndex: 0, format: "f32-planar" });
      this.#framesDecoded++;
      this.#onFrame(Math.round(data.timestamp / OPUS_FRAME_DURATION_US), samples);
    } finally {
      data.close();
    }
  }

  #reset(): void {
    if (this.#decoder && this.#decoder.state !== "closed") this.#decoder.close();
    this.#decoder = undefined;
  }
}
