/**
 * Video encoder worker: reads raw camera frames from a transferred ReadableStream (the processor
 * itself only exists on the page), encodes them with WebCodecs and posts encoded chunks back.
 * Running here keeps 4–8 ms of encoding per frame off the page's main thread.
 */
import { OrderedFrameTransform } from "../transform/ordered-frame-transform.ts";
import type { FromVideoEncoder, ToVideoEncoder, VideoEncoderSettings } from "./video-encoder-messages.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent<ToVideoEncoder>) => void) | null;
  postMessage(message: FromVideoEncoder, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;

/** Frames waiting in the encoder beyond this are dropped: the CPU cannot keep up. */
const MAX_ENCODE_QUEUE = 2;
const STATS_INTERVAL_MS = 1000;

let encoder: VideoEncoder | undefined;
let settings: VideoEncoderSettings | undefined;
let configuredSize = "";
let reader: ReadableStreamDefaultReader<VideoFrame> | undefined;
let paused = false;
let congested = false;
let keyframeWanted = true;
let lastKeyframeAtMs = Number.NEGATIVE_INFINITY;
/** Wall-clock capture time per frame timestamp, to stamp the chunk the encoder outputs later. */
const captureTimes = new Map<number, number>();
const stats = { framesEncoded: 0, framesSkipped: 0, transformErrors: 0, width: 0, height: 0 };
/** Between codec and packet: identity unless the track was configured with a transform. */
let transform: OrderedFrameTransform | undefined;
let track: Extract<ToVideoEncoder, { type: "start" }>["track"] | undefined;
let statsTimer: ReturnType<typeof setInterval> | undefined;

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case "start":
      settings = message.settings;
      track = message.track;
      transform = new OrderedFrameTransform(message.transform, "encode");
      reader = message.frames.getReader();
      statsTimer = setInterval(() => scope.postMessage({ type: "stats", ...stats }), STATS_INTERVAL_MS);
      void pump(reader);
      break;
    case "keyframe":
      keyframeWanted = true;
      break;
    case "paused":
      paused = message.paused;
      if (!paused) keyframeWanted = true;
      break;
    case "congested":
      congested = message.congested;
      break;
    case "stop":
      void stop();
      break;
  }
};

async function pump(frames: ReadableStreamDefaultReader<VideoFrame>): Promise<void> {
  try {
    for (;;) {
      const { value: frame, done } = await frames.read();
      if (done) break;
      encode(frame);
    }
  } catch (error) {
    scope.postMessage({ type: "error", message: `camera frames stopped: ${String(error)}` });
  }
}

function encode(frame: VideoFrame): void {
  try {
    if (paused || !settings) return;
    const videoEncoder = ensureEncoder(frame, settings);
    if (congested || videoEncoder.encodeQueueSize > MAX_ENCODE_QUEUE) {
      stats.framesSkipped++;
      // The receiver's decoder still has every frame we sent, so the next encoded frame can stay a
      // delta frame: skipping happens before encoding, never between encoder and wire.
      return;
    }
    const nowMs = performance.now();
    const keyFrame = keyframeWanted || nowMs - lastKeyframeAtMs >= settings.keyframeIntervalMs;
    if (keyFrame) {
      keyframeWanted = false;
      lastKeyframeAtMs = nowMs;
    }
    captureTimes.set(frame.timestamp, (performance.timeOrigin + nowMs) * 1000);
    videoEncoder.encode(frame, { keyFrame });
  } catch (error) {
    scope.postMessage({ type: "error", message: `encoding failed: ${String(error)}` });
    resetEncoder();
  } finally {
    frame.close();
  }
}

function ensureEncoder(frame: VideoFrame, current: VideoEncoderSettings): VideoEncoder {
  const width = frame.displayWidth;
  const height = frame.displayHeight;
  const size = `${width}x${height}`;
  if (encoder && encoder.state === "configured" && configuredSize === size) return encoder;
  resetEncoder();
  const created = new VideoEncoder({
    output: onChunk,
    error: (error) => {
      scope.postMessage({ type: "error", message: `encoder error: ${error.message}` });
      resetEncoder();
    },
  });
  created.configure({
    codec: current.codecString,
    width,
    height,
    bitrate: current.bitrateBps,
    framerate: current.framerate,
    latencyMode: "realtime",
    // Annex-B keeps SPS/PPS in the key frames, as the CLI's ffmpeg sends them; the default (avc)
    // would put them in a description the wire has no field for.
    ...(current.codecString.startsWith("avc1.") ? { avc: { format: "annexb" as const } } : {}),
  });
  encoder = created;
  configuredSize = size;
  stats.width = width;
  stats.height = height;
  keyframeWanted = true;
  return created;
}

function onChunk(chunk: EncodedVideoChunk): void {
  const encoded = new Uint8Array(chunk.byteLength);
  chunk.copyTo(encoded);
  const captureTimeUs =
    captureTimes.get(chunk.timestamp) ?? (performance.timeOrigin + performance.now()) * 1000;
  captureTimes.delete(chunk.timestamp);
  stats.framesEncoded++;
  const keyframe = chunk.type === "key";
  const durationUs = chunk.duration ?? 0;
  if (!transform || !track) return;
  const metadata = {
    senderSessionId: 0,
    ...track,
    keyframe,
    captureTimeUs: BigInt(Math.round(captureTimeUs)),
  };
  transform.encode(
    encoded,
    metadata,
    (bytes) => {
      const payload = exactBuffer(bytes);
      scope.postMessage({ type: "chunk", keyframe, captureTimeUs, durationUs, payload }, [payload]);
    },
    (error) => {
      stats.transformErrors++;
      // The receivers' decoders would miss this frame: restart the chain at a key frame.
      keyframeWanted = true;
      if (stats.transformErrors === 1) scope.postMessage({ type: "error", message: error.message });
    },
  );
}

/** The bytes as an ArrayBuffer of their own (transferable), copying only when they are a view. */
function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  ) {
    return bytes.buffer;
  }
  return bytes.slice().buffer as ArrayBuffer;
}

function resetEncoder(): void {
  if (encoder && encoder.state !== "closed") encoder.close();
  encoder = undefined;
  configuredSize = "";
  captureTimes.clear();
}

async function stop(): Promise<void> {
  clearInterval(statsTimer);
  try {
    await reader?.cancel();
  } catch {
    // the stream already ended
  }
  resetEncoder();
  transform?.close();
  scope.postMessage({ type: "stopped" });
}
