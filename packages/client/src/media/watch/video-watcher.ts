import type { Media } from "@videocall/protocol";
import { decoderCodecString } from "../tracks.ts";
import { FrameRateMeter } from "./frame-rate-meter.ts";
import { KeyframeRequester } from "./keyframe-requester.ts";
import type { FromVideoDecoder, ToVideoDecoder } from "./video-decoder-messages.ts";

export interface VideoWatcherStats {
  framesReceived: number;
  framesDecoded: number;
  /** Frames dropped while waiting for a key frame (after joining, a loss or a decoder error). */
  framesDropped: number;
  fps: number;
  width: number;
  height: number;
  keyframeRequests: number;
}

/**
 * Watches one remote video track: checks sequence continuity, feeds a decoder worker that draws on
 * `canvas`, and asks the publisher for a key frame whenever the decoder cannot continue.
 */
export class VideoWatcher {
  readonly canvas: HTMLCanvasElement;
  #worker: Worker;
  #keyframes: KeyframeRequester;
  #codec = 0;
  #trackId = 0;
  #needKeyframe = true;
  #lastSequence: number | undefined;
  #fps = new FrameRateMeter();
  #stats = { framesReceived: 0, framesDecoded: 0, framesDropped: 0, width: 0, height: 0 };
  #closed = false;
  /** Called when a decoded frame size first becomes known or changes (for layout). */
  onResize: (width: number, height: number) => void = () => {};
  onError: (message: string) => void = () => {};

  /** `requestKeyframe` gets the track id of the stream that needs one. */
  constructor(requestKeyframe: (trackId: number) => void, options: { keyframeIntervalMs?: number } = {}) {
    this.#keyframes = new KeyframeRequester(() => requestKeyframe(this.#trackId), {
      minIntervalMs: options.keyframeIntervalMs ?? 500,
    });
    this.canvas = document.createElement("canvas");
    const offscreen = this.canvas.transferControlToOffscreen();
    this.#worker = new Worker(new URL("./video-decoder.worker.ts", import.meta.url), { type: "module" });
    this.#worker.onmessage = (event: MessageEvent<FromVideoDecoder>) => this.#onWorkerMessage(event.data);
    this.#post({ type: "init", canvas: offscreen }, [offscreen]);
  }

  stats(): VideoWatcherStats {
    return { ...this.#stats, fps: this.#fps.fps, keyframeRequests: this.#keyframes.requestsSent };
  }

  receive(media: Media): void {
    if (this.#closed) return;
    this.#stats.framesReceived++;
    this.#trackId = media.trackId;
    if (media.codec !== this.#codec) {
      const codecString = decoderCodecString(media.codec);
      if (!codecString) return;
      this.#codec = media.codec;
      this.#needKeyframe = true;
      this.#post({ type: "configure", codecString });
    }
    const gap = this.#lastSequence !== undefined && media.sequence !== (this.#lastSequence + 1) >>> 0;
    this.#lastSequence = media.sequence;
    if (gap) this.#needKeyframe = true;
    if (this.#needKeyframe && !media.keyframe) {
      this.#stats.framesDropped++;
      this.#keyframes.request();
      return;
    }
    this.#needKeyframe = false;
    // Copy: the payload is a view into the socket's message, and the copy can be transferred.
    const payload = media.payload.slice().buffer;
    this.#post(
      { type: "chunk", keyframe: media.keyframe, timestampUs: Number(media.captureTimeUs), payload },
      [payload],
    );
  }

  /** The publisher turned its camera off: forget the stream so a fresh key frame restarts it. */
  reset(): void {
    this.#needKeyframe = true;
    this.#lastSequence = undefined;
    this.#post({ type: "clear" });
  }

  close(): void {
    if (this.#closed) return;
    this.#post({ type: "close" });
    this.#closed = true;
    // The worker closes itself after releasing its decoder; terminate in case it is stuck.
    const worker = this.#worker;
    setTimeout(() => worker.terminate(), 500);
  }

  #onWorkerMessage(message: FromVideoDecoder): void {
    if (this.#closed) return;
    switch (message.type) {
      case "stats": {
        const resized = message.width !== this.#stats.width || message.height !== this.#stats.height;
        this.#stats.framesDecoded = message.framesDecoded;
        this.#stats.width = message.width;
        this.#stats.height = message.height;
        this.#fps.sample(message.framesDecoded);
        if (resized) this.onResize(message.width, message.height);
        break;
      }
      case "error":
        this.#needKeyframe = true;
        this.#keyframes.request();
        this.onError(message.message);
        break;
    }
  }

  #post(message: ToVideoDecoder, transfer: Transferable[] = []): void {
    if (!this.#closed) this.#worker.postMessage(message, transfer);
  }
}
