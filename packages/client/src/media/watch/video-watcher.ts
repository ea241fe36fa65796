import type { Media } from "@videocall/protocol";
import { FrameRateMeter } from "./frame-rate-meter.ts";
import { KeyframeRequester } from "./keyframe-requester.ts";
import type { FromVideoDecoder, ToVideoDecoder } from "./video-decoder-messages.ts";
import { VideoStreamGate } from "./video-stream-gate.ts";

export interface VideoWatcherStats {
  framesReceived: number;
  framesDecoded: number;
  /** Frames dropped while waiting for a key frame (after joining, a loss or a decoder error). */
  framesDropped: number;
  fps: number;
  width: number;
  height: number;
  keyframeRequests: number;
  /** Times the decoder failed (an undecodable frame, say) and was reset to wait for a key frame. */
  decoderErrors: number;
}

/**
 * Chunks posted to the worker and not yet taken from its queue, at most: about three seconds at
 * 30 fps. A worker that falls this far behind (its thread starved, a draw that blocks) costs this
 * tile its frames until the next key frame, never unbounded memory in the page.
 */
const MAX_CHUNKS_IN_FLIGHT = 90;

/**
 * Watches one remote video track: checks sequence continuity, feeds a decoder worker that draws on
 * `canvas`, and asks the publisher for a key frame whenever the decoder cannot continue.
 *
 * Whatever the peer sends (garbage payloads, absurd sequence numbers or timestamps, codec flips,
 * several tracks), the worst outcome is this tile waiting for a key frame: the decoder runs in its
 * own worker, the header checks are in VideoStreamGate, and key frame requests are rate-limited.
 */
export class VideoWatcher {
  readonly canvas: HTMLCanvasElement;
  #worker: Worker;
  #keyframes: KeyframeRequester;
  #gate = new VideoStreamGate();
  /**
   * The decoder's chunk timestamps: our own increasing clock, not the peer's capture time, which
   * can be anything a uint64 holds (WebCodecs rejects a timestamp beyond 2^53).
   */
  #chunkTimestampUs = 0;
  #chunksPosted = 0;
  /** From the worker's last stats report. */
  #chunksHandled = 0;
  #fps = new FrameRateMeter();
  #stats = {
    framesReceived: 0,
    framesDecoded: 0,
    framesDropped: 0,
    width: 0,
    height: 0,
    decoderErrors: 0,
  };
  #closed = false;
  /** Called when a decoded frame size first becomes known or changes (for layout). */
  onResize: (width: number, height: number) => void = () => {};
  onError: (message: string) => void = () => {};

  /** `requestKeyframe` gets the track id of the stream that needs one. */
  constructor(requestKeyframe: (trackId: number) => void, options: { keyframeIntervalMs?: number } = {}) {
    this.#keyframes = new KeyframeRequester(() => requestKeyframe(this.#gate.trackId ?? 0), {
      minIntervalMs: options.keyframeIntervalMs ?? 500,
    });
    this.canvas = document.createElement("canvas");
    const offscreen = this.canvas.transferControlToOffscreen();
    this.#worker = new Worker(new URL("./video-decoder.worker.ts", import.meta.url), { type: "module" });
    this.#worker.onmessage = (event: MessageEvent<FromVideoDecoder>) => this.#onWorkerMessage(event.data);
    // An exception escaping the worker must not surface as the page's error: treat it as a failed
    // decode (the worker resets its decoder on the next configure or key frame).
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#onWorkerMessage({ type: "error", message: `decoder worker error: ${event.message}` });
    };
    this.#post({ type: "init", canvas: offscreen }, [offscreen]);
  }

  stats(): VideoWatcherStats {
    return { ...this.#stats, fps: this.#fps.fps, keyframeRequests: this.#keyframes.requestsSent };
  }

  receive(media: Media): void {
    if (this.#closed) return;
    this.#stats.framesReceived++;
    const decision = this.#gate.offer(media, performance.now());
    if (decision.configure) this.#post({ type: "configure", codecString: decision.configure });
    if (decision.action === "drop") {
      this.#stats.framesDropped++;
      if (decision.needKeyframe) this.#keyframes.request();
      return;
    }
    if (this.#chunksPosted - this.#chunksHandled >= MAX_CHUNKS_IN_FLIGHT) {
      this.#stats.framesDropped++;
      this.#gate.decoderFailed(); // the frames skipped break the chain: restart at a key frame
      this.#keyframes.request();
      return;
    }
    this.#chunksPosted++;
    this.#chunkTimestampUs = Math.max(this.#chunkTimestampUs + 1, Math.round(performance.now() * 1000));
    // Copy: the payload is a view into the socket's message, and the copy can be transferred.
    const payload = media.payload.slice().buffer;
    this.#post({ type: "chunk", keyframe: media.keyframe, timestampUs: this.#chunkTimestampUs, payload }, [
      payload,
    ]);
  }

  /** The publisher turned its camera off: forget the stream so a fresh key frame restarts it. */
  reset(): void {
    this.#gate.reset();
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
        this.#chunksHandled = message.chunksHandled;
        this.#stats.width = message.width;
        this.#stats.height = message.height;
        this.#fps.sample(message.framesDecoded);
        if (resized) this.onResize(message.width, message.height);
        break;
      }
      case "error":
        this.#stats.decoderErrors++;
        this.#gate.decoderFailed();
        this.#keyframes.request();
        this.onError(message.message);
        break;
    }
  }

  #post(message: ToVideoDecoder, transfer: Transferable[] = []): void {
    if (!this.#closed) this.#worker.postMessage(message, transfer);
  }
}
