import { OPUS_FRAME_DURATION_US } from "../tracks.ts";
import { AudioLevelMeter } from "./audio-level.ts";
import { type OpusResilience, opusEncoderConfig, supportedOpusResilience } from "./opus-config.ts";

export interface EncodedAudioFrame {
  payload: Uint8Array;
  durationUs: number;
  /** The loudness of the PCM this frame was made from (Media.audio_level's scale). */
  audioLevel: number;
}

/**
 * Opus encoder (WebCodecs): mono, 20 ms packets. Input AudioData may come in any frame size
 * (the microphone delivers 10 ms); the encoder buffers to 20 ms itself.
 */
export class OpusEncoder {
  #encoder: AudioEncoder | undefined;
  #configuredRateHz = 0;
  #bitrateBps: number;
  #onFrame: (frame: EncodedAudioFrame) => void;
  #onError: (message: string) => void;
  readonly #levelMeter = new AudioLevelMeter();
  /** Reused for measuring each input buffer's level. */
  #samples = new Float32Array(0);
  /** In-band FEC and DTX as far as the browser's encoder takes them; none until its answer comes. */
  #resilience: Partial<OpusResilience> = {};

  constructor(options: {
    bitrateKbps?: number;
    onFrame: (frame: EncodedAudioFrame) => void;
    onError: (message: string) => void;
  }) {
    this.#bitrateBps = (options.bitrateKbps ?? 32) * 1000;
    this.#onFrame = options.onFrame;
    this.#onError = options.onError;
    if (typeof AudioEncoder === "function") {
      supportedOpusResilience((config) => AudioEncoder.isConfigSupported(config)).then((resilience) => {
        this.#resilience = resilience;
        // Audio may have started without it: the next packets carry it (configure() keeps the encoder).
        if (this.#encoder?.state === "configured" && Object.keys(resilience).length > 0) {
          this.#encoder.configure(opusEncoderConfig(this.#configuredRateHz, this.#bitrateBps, resilience));
        }
      });
    }
  }

  /** The in-band FEC and DTX settings the encoder runs with (what the browser accepted). */
  get resilience(): Readonly<Partial<OpusResilience>> {
    return this.#resilience;
  }

  /**
   * Encodes and closes `data`. `monoSamples`: its PCM when the caller made `data` from samples it
   * still holds; the level is measured from them rather than copied out of `data` (which WebKitGTK
   * 2.50 cannot do for a constructed AudioData: audio-data-source.ts).
   */
  encode(data: AudioData, monoSamples?: Float32Array): void {
    let mono: AudioData | undefined;
    try {
      mono = data.numberOfChannels === 1 ? data : downmixToMono(data);
      if (monoSamples && mono === data) this.#levelMeter.add(monoSamples, data.numberOfFrames);
      else this.#measure(mono);
      this.#ensureEncoder(mono.sampleRate).encode(mono);
    } catch (error) {
      this.#onError(`audio encoding failed: ${String(error)}`);
      this.#reset();
    } finally {
      if (mono && mono !== data) mono.close();
      data.close();
    }
  }

  close(): void {
    this.#reset();
  }

  #ensureEncoder(sampleRateHz: number): AudioEncoder {
    if (this.#encoder && this.#encoder.state === "configured" && this.#configuredRateHz === sampleRateHz) {
      return this.#encoder;
    }
    this.#reset();
    const encoder = new AudioEncoder({
      output: (chunk) => {
        const payload = new Uint8Array(chunk.byteLength);
        chunk.copyTo(payload);
        this.#onFrame({
          payload,
          durationUs: chunk.duration ?? OPUS_FRAME_DURATION_US,
          audioLevel: this.#levelMeter.take(),
        });
      },
      error: (error) => {
        this.#onError(`audio encoder error: ${error.message}`);
        this.#reset();
      },
    });
    encoder.configure(opusEncoderConfig(sampleRateHz, this.#bitrateBps, this.#resilience));
    this.#encoder = encoder;
    this.#configuredRateHz = sampleRateHz;
    return encoder;
  }

  #measure(mono: AudioData): void {
    const frames = mono.numberOfFrames;
    if (this.#samples.length < frames) this.#samples = new Float32Array(frames);
    mono.copyTo(this.#samples, { planeIndex: 0, format: "f32-planar" });
    this.#levelMeter.add(this.#samples, frames);
  }

  #reset(): void {
    if (this.#encoder && this.#encoder.state !== "closed") this.#encoder.close();
    this.#encoder = undefined;
  }
}

/** Averages all channels into one: the call is mono, and Opus mono at 32 kbps sounds better. */
function downmixToMono(data: AudioData): AudioData {
  const frames = data.numberOfFrames;
  const mixed = new Float32Array(frames);
  const channel = new Float32Array(frames);
  for (let c = 0; c < data.numberOfChannels; c++) {
    data.copyTo(channel, { planeIndex: c, format: "f32-planar" });
    for (let i = 0; i < frames; i++) mixed[i] = (mixed[i] ?? 0) + (channel[i] ?? 0) / data.numberOfChannels;
  }
  return new AudioData({
    format: "f32-planar",
    sampleRate: data.sampleRate,
    numberOfFrames: frames,
    numberOfChannels: 1,
    timestamp: data.timestamp,
    data: mixed,
  });
}
