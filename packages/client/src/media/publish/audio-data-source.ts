import { type AudioCaptureMethod, audioCaptureMethod } from "../support/capabilities.ts";
import { OPUS_SAMPLE_RATE_HZ } from "../tracks.ts";
import { CAPTURE_PROCESSOR_NAME, type CapturedSamples } from "./audio-capture-messages.ts";

/**
 * The capture worklet, bundled to plain JavaScript by `npm run build:worklet` (like the playout
 * worklet; see audio-output.ts).
 */
const CAPTURE_WORKLET_URL = new URL("./audio-capture.worklet.bundle.js", import.meta.url);

/** Batches waiting for the encoder beyond this are dropped (the page is stalled, not the microphone). */
const MAX_QUEUED_BATCHES = 50;

/**
 * A buffer of microphone audio. `monoSamples`: the PCM the page wrapped in `data` itself (the
 * worklet path), so the level meter reads it from here and never calls `AudioData.copyTo` on an
 * AudioData the page constructed: WebKitGTK 2.50's web process dies in that call ("free(): invalid
 * pointer"; test/e2e/webkit-audio-data.test.ts), and copying back out what we just put in is waste
 * anyway.
 */
export interface CapturedAudio {
  data: AudioData;
  monoSamples?: Float32Array;
}

/** Raw microphone samples of a track, as AudioData. */
export interface AudioDataSource {
  readonly method: AudioCaptureMethod;
  readonly frames: ReadableStream<CapturedAudio>;
  close(): void;
}

/**
 * The raw audio of `track`, by whatever this browser offers (support/capabilities.ts): Chromium's
 * MediaStreamTrackProcessor, else an AudioWorklet whose sample batches become AudioData.
 */
export function openAudioDataSource(track: MediaStreamTrack): AudioDataSource {
  const method = audioCaptureMethod();
  if (method === "track-processor") {
    const processor = new MediaStreamTrackProcessor({ track: track as MediaStreamAudioTrack });
    const frames = processor.readable.pipeThrough(
      new TransformStream<AudioData, CapturedAudio>({ transform: (data, out) => out.enqueue({ data }) }),
    );
    return { method, frames, close: () => {} };
  }
  if (method === "audio-worklet") return new WorkletAudioDataSource(track);
  throw new Error("this browser cannot capture audio samples (no MediaStreamTrackProcessor or AudioWorklet)");
}

/** MediaStreamAudioSourceNode → capture worklet → AudioData, in an AudioContext of its own. */
class WorkletAudioDataSource implements AudioDataSource {
  readonly method = "audio-worklet" as const;
  readonly frames: ReadableStream<CapturedAudio>;
  #controller: ReadableStreamDefaultController<CapturedAudio> | undefined;
  #context: AudioContext | undefined;
  #closed = false;

  constructor(track: MediaStreamTrack) {
    this.frames = new ReadableStream<CapturedAudio>(
      {
        start: (controller) => {
          this.#controller = controller;
          // Errors surface to the reader, which reports them (MicrophonePublisher.onError).
          this.#open(track).catch((error) => {
            if (!this.#closed) controller.error(error);
          });
        },
        cancel: () => this.close(),
      },
      { highWaterMark: MAX_QUEUED_BATCHES },
    );
  }

  async #open(track: MediaStreamTrack): Promise<void> {
    const stream = new MediaStream([track]);
    // 48 kHz spares Opus a resampler; Firefox refuses to connect a track of another rate to such a
    // context ("different sample-rate"), and then the device's own rate it is.
    let context = new AudioContext({ sampleRate: OPUS_SAMPLE_RATE_HZ });
    let source: MediaStreamAudioSourceNode;
    try {
      source = context.createMediaStreamSource(stream);
    } catch {
      await context.close();
      context = new AudioContext();
      source = context.createMediaStreamSource(stream);
    }
    this.#context = context;
    if (this.#closed) return void (await context.close());
    await context.audioWorklet.addModule(CAPTURE_WORKLET_URL);
    if (this.#closed) return;
    const node = new AudioWorkletNode(context, CAPTURE_PROCESSOR_NAME, {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
    });
    const sampleRateHz = context.sampleRate;
    node.port.onmessage = (event: MessageEvent<CapturedSamples>) => this.#onSamples(event.data, sampleRateHz);
    source.connect(node);
    // A node must reach the destination to be rendered; its output is silence (it writes nothing).
    node.connect(context.destination);
    // Capture must not wait for a user gesture: the microphone's own permission was the gesture.
    if (context.state === "suspended") await context.resume().catch(() => {});
  }

  #onSamples(message: CapturedSamples, sampleRateHz: number): void {
    const controller = this.#controller;
    if (this.#closed || !controller || (controller.desiredSize ?? 0) <= 0) return;
    // The constructor copies `samples`, which stay ours (the worklet transferred them) to measure.
    const data = new AudioData({
      format: "f32-planar",
      sampleRate: sampleRateHz,
      numberOfFrames: message.samples.length,
      numberOfChannels: 1,
      timestamp: Math.round((message.frameIndex / sampleRateHz) * 1_000_000),
      data: message.samples,
    });
    controller.enqueue({ data, monoSamples: message.samples });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    void this.#context?.close().catch(() => {});
    try {
      this.#controller?.close();
    } catch {
      // already cancelled or errored
    }
  }
}
