import { type VideoCaptureMethod, videoCaptureMethod } from "../support/capabilities.ts";

/** Raw frames of a video track as a stream the encoder worker can take (transferable). */
export interface VideoFrameSource {
  readonly method: VideoCaptureMethod;
  readonly frames: ReadableStream<VideoFrame>;
  /** Stops taking frames (the track itself is the caller's). */
  close(): void;
}

/**
 * The raw frames of `track`, by whatever this browser offers (support/capabilities.ts): Chromium's
 * MediaStreamTrackProcessor, else a hidden `<video>` whose `requestVideoFrameCallback` makes one
 * `VideoFrame` per presented frame. Either way at most one frame waits: when the encoder falls
 * behind, stale frames are dropped here, before they cost an encode.
 */
export function openVideoFrameSource(track: MediaStreamTrack, framerate: number): VideoFrameSource {
  const method = videoCaptureMethod();
  if (method === "track-processor") {
    const processor = new MediaStreamTrackProcessor({
      track: track as MediaStreamVideoTrack,
      maxBufferSize: 1,
    });
    return { method, frames: processor.readable, close: () => {} };
  }
  if (method === "video-element") return new VideoElementFrameSource(track, framerate);
  throw new Error(
    "this browser cannot capture video frames (no MediaStreamTrackProcessor or requestVideoFrameCallback)",
  );
}

/**
 * `<video>` → `new VideoFrame(video)` on each presented frame, paced to the track's frame rate.
 * The element is never in the document: Firefox presents frames of a detached, muted, playing video.
 * Frames pause while the page is hidden (browsers stop video callbacks there); the call goes on.
 */
class VideoElementFrameSource implements VideoFrameSource {
  readonly method = "video-element" as const;
  readonly frames: ReadableStream<VideoFrame>;
  #video = document.createElement("video");
  #controller: ReadableStreamDefaultController<VideoFrame> | undefined;
  /** A frame taken but not yet read by the encoder: replaced by a fresher one. */
  #pending: VideoFrame | undefined;
  #minIntervalMs: number;
  #lastFrameAtMs = Number.NEGATIVE_INFINITY;
  #callbackId = 0;
  /** The encoder asked for a frame (pull) and none was pending: hand it the next one at once. */
  #readerWaiting = false;
  #closed = false;

  constructor(track: MediaStreamTrack, framerate: number) {
    const trackRate = track.getSettings?.().frameRate ?? framerate;
    // 10 % slack: a 30 fps camera's frames arrive at 33 ms ± jitter and none should be skipped.
    this.#minIntervalMs = (1000 / Math.max(1, Math.min(framerate, trackRate))) * 0.9;
    this.frames = new ReadableStream<VideoFrame>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        pull: (controller) => this.#deliver(controller),
        cancel: () => this.close(),
      },
      { highWaterMark: 0 },
    );
    const video = this.#video;
    video.muted = true;
    video.playsInline = true;
    video.srcObject = new MediaStream([track]);
    video.play().catch(() => {});
    this.#callbackId = video.requestVideoFrameCallback((now) => this.#onFrame(now));
  }

  #onFrame(nowMs: number): void {
    if (this.#closed) return;
    this.#callbackId = this.#video.requestVideoFrameCallback((now) => this.#onFrame(now));
    if (nowMs - this.#lastFrameAtMs < this.#minIntervalMs) return;
    if (this.#video.videoWidth === 0 || this.#video.videoHeight === 0) return;
    this.#lastFrameAtMs = nowMs;
    let frame: VideoFrame;
    try {
      // Our own monotonic clock: the encoder keys capture times by it.
      frame = new VideoFrame(this.#video, { timestamp: Math.round(performance.now() * 1000) });
    } catch {
      return; // not decodable yet (no current frame): the next callback tries again
    }
    this.#pending?.close();
    this.#pending = frame;
    if (this.#readerWaiting && this.#controller) this.#deliver(this.#controller);
  }

  #deliver(controller: ReadableStreamDefaultController<VideoFrame>): void {
    const frame = this.#pending;
    this.#readerWaiting = frame === undefined;
    if (!frame) return;
    this.#pending = undefined;
    controller.enqueue(frame);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#video.cancelVideoFrameCallback(this.#callbackId);
    this.#pending?.close();
    this.#pending = undefined;
    this.#video.pause();
    this.#video.srcObject = null;
    try {
      this.#controller?.close();
    } catch {
      // already cancelled by the reader
    }
  }
}
