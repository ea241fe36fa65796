/** Messages from the microphone capture worklet (audio-capture.worklet.ts) to the page. */
export const CAPTURE_PROCESSOR_NAME = "videocall-audio-capture";

/** Mono samples at the context's rate, `frameIndex` counting samples since capture began. */
export interface CapturedSamples {
  type: "samples";
  frameIndex: number;
  samples: Float32Array<ArrayBuffer>;
}
