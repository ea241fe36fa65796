import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  audioCaptureMethod,
  type MediaCapabilities,
  missingCapabilities,
  videoCaptureMethod,
} from "./capabilities.ts";

const CHROMIUM: MediaCapabilities = {
  trackProcessor: true,
  videoFrameCallback: true,
  videoEncoder: true,
  videoDecoder: true,
  audioEncoder: true,
  audioDecoder: true,
  offscreenCanvas: true,
  audioWorklet: true,
  audioData: true,
};
/** Firefox 153 ESR as probed (research/browsers-e2ee-auth.md): everything but the processor. */
const FIREFOX: MediaCapabilities = { ...CHROMIUM, trackProcessor: false };

Deno.test("Chromium keeps MediaStreamTrackProcessor for capture (its <video> path starves headless)", () => {
  strictEqual(videoCaptureMethod(CHROMIUM), "track-processor");
  strictEqual(audioCaptureMethod(CHROMIUM), "track-processor");
  deepStrictEqual(missingCapabilities(CHROMIUM), []);
});

Deno.test("without a processor, video comes from <video> frame callbacks and audio from a worklet", () => {
  strictEqual(videoCaptureMethod(FIREFOX), "video-element");
  strictEqual(audioCaptureMethod(FIREFOX), "audio-worklet");
  deepStrictEqual(missingCapabilities(FIREFOX), []);
});

Deno.test("what a browser lacks is named per direction and medium", () => {
  const noCodecs = { ...FIREFOX, videoEncoder: false, audioDecoder: false };
  strictEqual(videoCaptureMethod(noCodecs), undefined);
  deepStrictEqual(missingCapabilities(noCodecs), ["publish-video", "receive-audio"]);
  const noCapture = { ...FIREFOX, videoFrameCallback: false, audioWorklet: false };
  deepStrictEqual(missingCapabilities(noCapture), ["publish-video", "publish-audio", "receive-audio"]);
  deepStrictEqual(missingCapabilities({ ...CHROMIUM, offscreenCanvas: false }), ["receive-video"]);
});
