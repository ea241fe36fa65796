/** What this browser can do for publishing and watching; checked once before joining. */
export interface MediaCapabilities {
  /** Camera and microphone capture as raw frames (Chromium's MediaStreamTrackProcessor). */
  trackProcessor: boolean;
  videoEncoder: boolean;
  videoDecoder: boolean;
  audioEncoder: boolean;
  audioDecoder: boolean;
  offscreenCanvas: boolean;
  audioWorklet: boolean;
}

export function detectCapabilities(): MediaCapabilities {
  return {
    trackProcessor: typeof MediaStreamTrackProcessor === "function",
    videoEncoder: typeof VideoEncoder === "function",
    videoDecoder: typeof VideoDecoder === "function",
    audioEncoder: typeof AudioEncoder === "function",
    audioDecoder: typeof AudioDecoder === "function",
    offscreenCanvas: typeof OffscreenCanvas === "function",
    audioWorklet: typeof AudioWorkletNode === "function",
  };
}
