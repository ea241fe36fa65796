// MediaStreamTrackProcessor (Chromium, page only) is not in TypeScript's DOM library yet.
// https://w3c.github.io/mediacapture-transform/
declare class MediaStreamTrackProcessor<T extends VideoFrame | AudioData = VideoFrame | AudioData> {
  constructor(init: { track: MediaStreamTrack; maxBufferSize?: number });
  readonly readable: ReadableStream<T>;
}
