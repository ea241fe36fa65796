/// <reference path="./insertable-streams.d.ts" />
/** What this browser can do for publishing and watching; checked once before joining. */
export interface MediaCapabilities {
  /** Camera and microphone capture as raw frames (Chromium's MediaStreamTrackProcessor). */
  trackProcessor: boolean;
  /**
   * Camera capture without a processor: a `<video>` element's `requestVideoFrameCallback` and
   * `new VideoFrame(video)` (Firefox).
   */
  videoFrameCallback: boolean;
  videoEncoder: boolean;
  videoDecoder: boolean;
  audioEncoder: boolean;
  audioDecoder: boolean;
  offscreenCanvas: boolean;
  audioWorklet: boolean;
  /** `new AudioData(...)`: wraps worklet samples for the encoder where there is no processor. */
  audioData: boolean;
}

export function detectCapabilities(): MediaCapabilities {
  return {
    trackProcessor: typeof MediaStreamTrackProcessor === "function",
    videoFrameCallback:
      typeof HTMLVideoElement === "function" &&
      "requestVideoFrameCallback" in HTMLVideoElement.prototype &&
      typeof VideoFrame === "function",
    videoEncoder: typeof VideoEncoder === "function",
    videoDecoder: typeof VideoDecoder === "function",
    audioEncoder: typeof AudioEncoder === "function",
    audioDecoder: typeof AudioDecoder === "function",
    offscreenCanvas: typeof OffscreenCanvas === "function",
    audioWorklet: typeof AudioWorkletNode === "function",
    audioData: typeof AudioData === "function",
  };
}

/** How raw camera frames are taken from a track here, or undefined: this browser cannot publish video. */
export type VideoCaptureMethod = "track-processor" | "video-element";
/** How raw microphone samples are taken from a track here, or undefined: this browser cannot publish audio. */
export type AudioCaptureMethod = "track-processor" | "audio-worklet";

/**
 * Chromium keeps MediaStreamTrackProcessor: its `<video>` path starves in a headless (or hidden)
 * page. Elsewhere the `<video>` + VideoFrame path, which needs no processor.
 */
export function videoCaptureMethod(capabilities = detectCapabilities()): VideoCaptureMethod | undefined {
  if (!capabilities.videoEncoder) return undefined;
  if (capabilities.trackProcessor) return "track-processor";
  if (capabilities.videoFrameCallback) return "video-element";
  return undefined;
}

export function audioCaptureMethod(capabilities = detectCapabilities()): AudioCaptureMethod | undefined {
  if (!capabilities.audioEncoder) return undefined;
  if (capabilities.trackProcessor) return "track-processor";
  if (capabilities.audioWorklet && capabilities.audioData) return "audio-worklet";
  return undefined;
}

/** What this browser lacks for a call, as keys the UI can explain (empty: everything works). */
export type MissingCapability = "publish-video" | "publish-audio" | "receive-video" | "receive-audio";

export function missingCapabilities(capabilities = detectCapabilities()): MissingCapability[] {
  const missing: MissingCapability[] = [];
  if (!videoCaptureMethod(capabilities)) missing.push("publish-video");
  if (!audioCaptureMethod(capabilities)) missing.push("publish-audio");
  if (!capabilities.videoDecoder || !capabilities.offscreenCanvas) missing.push("receive-video");
  if (!capabilities.audioDecoder || !capabilities.audioWorklet) missing.push("receive-audio");
  return missing;
}
