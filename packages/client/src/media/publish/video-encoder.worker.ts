/**
 * Video encoder worker: reads raw camera frames from a transferred ReadableStream (the processor
 * itself only exists on the page), encodes them with WebCodecs and posts encoded chunks back.
 * Running here keeps 4–8 ms of encoding per frame off the page's main thread.
 *
 * Simulcast: one VideoEncoder per layer, each fed the same camera frame and configured at its
 * layer's size (Chromium's encoder scales the frame to its configured size). A layer nobody
 * receives (LayerDemand) has its encoder closed; a wanted one is created again, which starts it
 * with a key frame.
 */
import type { Codec } from "@videocall/protocol";
import type { LocalVideoLayer } from "../../session/local-track.ts";
import { OrderedFrameTransform } from "../transform/ordered-frame-transform.ts";
import { EncodableFrames } from "./encodable-frame.ts";
import { FramesInEncoder } from "./frames-in-encoder.ts";
import { NewestFrameSlot } from "./newest-frame-slot.ts";
import { ALL_LAYERS_MASK, simulcastLayers, singleLayer } from "./simulcast-layers.ts";
import type {
  EncoderLayerStats,
  FromVideoEncoder,
  ToVideoEncoder,
  VideoEncoderSettings,
} from "./video-encoder-messages.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent<ToVideoEncoder>) => void) | null;
  postMessage(message: FromVideoEncoder, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;

/** Frames in one encoder beyond this are dropped for that layer: the CPU cannot keep up. */
const MAX_ENCODE_QUEUE = 2;
const STATS_INTERVAL_MS = 1000;
const TEMPORAL_MODE = "L1T3";

/** One layer's encoder and its key frame schedule. */
interface LayerEncoder {
  plan: LocalVideoLayer;
  encoder: VideoEncoder | undefined;
  /** The wire codec `encoder` was configured with. */
  codec: Codec | undefined;
  keyframeWanted: boolean;
  lastKeyframeAtMs: number;
  /** The frames in `encoder` and their capture times, to stamp the chunks it outputs later. */
  inEncoder: FramesInEncoder;
  scalabilityMode: string;
  framesEncoded: number;
  keyframesEncoded: number;
}

let settings: VideoEncoderSettings | undefined;
let captureSize = "";
let layers: LayerEncoder[] = [];
let layersMask = ALL_LAYERS_MASK;
let reader: ReadableStreamDefaultReader<VideoFrame> | undefined;
let paused = false;
let congested = false;
/**
 * Whether "behind" counts frames from encode() to output (frames-in-encoder.ts) or only
 * `encodeQueueSize`, as before: the latter where the page posts frames one by one (WebKitGTK),
 * whose web process still crashed now and then, under load, with the former.
 */
let countsFramesInEncoder = true;
/** The sender adaptation's current step (send-quality-controller.ts). */
let adaptation = { bitrateScale: 1, framerateDivisor: 1, layersDropped: 0 };
/** Counts camera frames, to keep one in `framerateDivisor`. */
let framesOffered = 0;
/** Whether the codec makes L1T3 at all (checked once, before the first frame). */
let temporalSupported = false;
/**
 * `framesEncoded` counts camera frames, not chunks: the busiest layer's output (a receiver gets
 * one layer), plus what earlier ladders encoded before the capture size changed.
 */
const stats = { framesEncoded: 0, framesSkipped: 0, transformErrors: 0 };
/** The last chunk's encoder output time minus its capture time (ms): the encoder's share of the delay. */
let captureToEncodedMs = Number.NaN;
let framesEncodedBeforeReplan = 0;
/** Between codec and packet: identity unless the track was configured with a transform. */
let transform: OrderedFrameTransform | undefined;
let track: Extract<ToVideoEncoder, { type: "start" }>["track"] | undefined;
let statsTimer: ReturnType<typeof setInterval> | undefined;

/** A camera frame and when the worker read it (its capture time on the wire). */
interface ArrivedFrame {
  frame: VideoFrame;
  arrivedAtMs: number;
  close(): void;
}
/** While an encoder has a frame queued, the newest camera frame waits here (stale ones are closed). */
const newest = new NewestFrameSlot<ArrivedFrame>();
/** Redraws frames of a pixel format the encoders cannot read (a depth camera's): see encodable-frame.ts. */
const encodable = new EncodableFrames();

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case "start":
      settings = message.settings;
      track = message.track;
      transform = new OrderedFrameTransform(message.transform, "encode");
      statsTimer = setInterval(postStats, STATS_INTERVAL_MS);
      countsFramesInEncoder = message.frames !== undefined;
      if (message.frames) {
        reader = message.frames.getReader();
        void start(reader, message.settings);
      } else if (message.settings.temporalLayers) {
        void supportsTemporalLayers(message.settings).then((ok) => {
          temporalSupported = ok;
        });
      }
      break;
    case "frame":
      offer(message.frame);
      break;
    case "codec":
      if (!settings || !track) break;
      settings = { ...settings, codecString: message.codecString };
      track = { ...track, codec: message.codec };
      // Fresh encoders (made on the next frame) start with a key frame in the new codec.
      for (const layer of layers) closeEncoder(layer);
      if (settings.temporalLayers) {
        const current = settings;
        temporalSupported = false;
        void supportsTemporalLayers(current).then((ok) => {
          if (settings !== current) return;
          temporalSupported = ok;
          for (const layer of layers) closeEncoder(layer);
        });
      }
      break;
    case "keyframe":
      for (const layer of layers) {
        if (message.layer === undefined || message.layer === layer.plan.layer) layer.keyframeWanted = true;
      }
      break;
    case "layerDemand":
      layersMask = message.layersMask >>> 0;
      for (const layer of layers) {
        if (!isWanted(layer)) closeEncoder(layer);
      }
      break;
    case "paused":
      paused = message.paused;
      if (paused) newest.clear();
      if (!paused) for (const layer of layers) layer.keyframeWanted = true;
      break;
    case "congested":
      congested = message.congested;
      break;
    case "adapt":
      adapt(message);
      break;
    case "stop":
      void stop();
      break;
  }
};

async function start(frames: ReadableStreamDefaultReader<VideoFrame>, current: VideoEncoderSettings) {
  if (current.temporalLayers) temporalSupported = await supportsTemporalLayers(current);
  await pump(frames);
}

async function supportsTemporalLayers(current: VideoEncoderSettings): Promise<boolean> {
  try {
    const support = await VideoEncoder.isConfigSupported({
      ...baseConfig(current.codecString, 640, 360, 500_000, current.framerate),
      scalabilityMode: TEMPORAL_MODE,
    });
    return support.supported === true;
  } catch {
    return false;
  }
}

async function pump(frames: ReadableStreamDefaultReader<VideoFrame>): Promise<void> {
  try {
    for (;;) {
      const { value: frame, done } = await frames.read();
      if (done) break;
      offer(frame);
    }
  } catch (error) {
    scope.postMessage({ type: "error", message: `camera frames stopped: ${String(error)}` });
  }
}

function offer(frame: VideoFrame): void {
  if (paused || !settings) {
    frame.close();
    return;
  }
  if (framesOffered++ % adaptation.framerateDivisor !== 0) {
    stats.framesSkipped++;
    frame.close();
    return;
  }
  const arrived = { frame, arrivedAtMs: performance.now(), close: () => frame.close() };
  const ready = newest.offer(arrived, deepestEncodeQueue());
  if (ready) encode(ready);
}

/** An encoder took in or gave back a frame: the kept newest frame goes in if there is room now. */
function onEncoderProgress(): void {
  const ready = newest.drained(deepestEncodeQueue());
  if (ready) encode(ready);
}

/** Frames in the busiest wanted encoder, from encode() to its output (frames-in-encoder.ts). */
function deepestEncodeQueue(): number {
  const nowUs = nowEpochUs();
  let deepest = 0;
  for (const layer of layers) {
    if (layer.encoder && isWanted(layer)) deepest = Math.max(deepest, backlogOf(layer, nowUs));
  }
  return deepest;
}

function nowEpochUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

function backlogOf(layer: LayerEncoder, nowUs: number): number {
  const queued = layer.encoder?.encodeQueueSize ?? 0;
  return countsFramesInEncoder ? Math.max(queued, layer.inEncoder.count(nowUs)) : queued;
}

function encode(arrived: ArrivedFrame): void {
  const { arrivedAtMs } = arrived;
  let frame = arrived.frame;
  try {
    if (paused || !settings) return;
    // After the slot, so a frame that goes stale there is never redrawn.
    frame = encodable.take(frame);
    planLayers(frame, settings);
    if (congested) {
      // The receivers' decoders still have every frame we sent, so the next encoded frame can stay
      // a delta frame: skipping happens before encoding, never between encoder and wire.
      stats.framesSkipped++;
      return;
    }
    const nowMs = performance.now();
    // When the frame reached us, not when it is encoded: a wait in the slot is latency too.
    const captureTimeUs = (performance.timeOrigin + arrivedAtMs) * 1000;
    for (const layer of layers) {
      if (!isWanted(layer)) continue;
      const encoder = ensureEncoder(layer, settings);
      if (backlogOf(layer, (performance.timeOrigin + nowMs) * 1000) > MAX_ENCODE_QUEUE) {
        stats.framesSkipped++;
        continue;
      }
      const keyFrame = layer.keyframeWanted || nowMs - layer.lastKeyframeAtMs >= settings.keyframeIntervalMs;
      if (keyFrame) {
        layer.keyframeWanted = false;
        layer.lastKeyframeAtMs = nowMs;
      }
      layer.inEncoder.add(frame.timestamp, captureTimeUs);
      // encode() takes its own reference to the frame: one camera frame feeds every layer.
      encoder.encode(frame, { keyFrame });
    }
  } catch (error) {
    scope.postMessage({ type: "error", message: `encoding failed: ${String(error)}` });
    for (const layer of layers) closeEncoder(layer);
  } finally {
    frame.close();
  }
}

/** (Re)plans the layers when the capture size changes, and tells the page what is published. */
function planLayers(frame: VideoFrame, current: VideoEncoderSettings): void {
  const size = `${frame.displayWidth}x${frame.displayHeight}`;
  if (size === captureSize) return;
  captureSize = size;
  framesEncodedBeforeReplan = stats.framesEncoded;
  for (const layer of layers) closeEncoder(layer);
  const plans = current.simulcast
    ? simulcastLayers(frame.displayWidth, frame.displayHeight)
    : singleLayer(frame.displayWidth, frame.displayHeight, current.bitrateBps);
  layers = plans.map((plan) => ({
    plan,
    encoder: undefined,
    codec: undefined,
    keyframeWanted: true,
    lastKeyframeAtMs: Number.NEGATIVE_INFINITY,
    inEncoder: new FramesInEncoder(),
    scalabilityMode: "",
    framesEncoded: 0,
    keyframesEncoded: 0,
  }));
  scope.postMessage({ type: "layers", layers: plans.slice(0, layersPublished()) });
}

function isWanted(layer: LayerEncoder): boolean {
  return ((layersMask >>> layer.plan.layer) & 1) === 1 && layer.plan.layer < layersPublished();
}

/** Layers the adaptation lets out: the ladder without its dropped top layers, never fewer than one. */
function layersPublished(): number {
  return Math.max(1, layers.length - adaptation.layersDropped);
}

function adapt(next: typeof adaptation): void {
  const before = layersPublished();
  const rescaled = next.bitrateScale !== adaptation.bitrateScale;
  adaptation = {
    bitrateScale: next.bitrateScale,
    framerateDivisor: Math.max(1, Math.round(next.framerateDivisor)),
    layersDropped: Math.max(0, Math.round(next.layersDropped)),
  };
  if (layers.length === 0) return;
  const published = layersPublished();
  for (const layer of layers) {
    if (!isWanted(layer)) closeEncoder(layer);
    else if (rescaled && layer.encoder?.state === "configured" && settings) {
      try {
        layer.encoder.configure(encoderConfig(layer, settings));
      } catch {
        closeEncoder(layer); // made again, with a key frame, on the next frame
      }
    }
  }
  // Receivers' relay picks among the layers announced: announcing fewer moves them down.
  if (published !== before)
    scope.postMessage({ type: "layers", layers: layers.slice(0, published).map((l) => l.plan) });
}

function baseConfig(
  codec: string,
  width: number,
  height: number,
  bitrate: number,
  framerate: number,
): VideoEncoderConfig {
  return {
    codec,
    width,
    height,
    bitrate,
    framerate,
    latencyMode: "realtime",
    // Annex-B keeps SPS/PPS in the key frames, as the CLI's ffmpeg sends them; the default (avc)
    // would put them in a description the wire has no field for.
    ...(codec.startsWith("avc1.") ? { avc: { format: "annexb" as const } } : {}),
  };
}

function encoderConfig(layer: LayerEncoder, current: VideoEncoderSettings): VideoEncoderConfig {
  const { plan } = layer;
  const config = baseConfig(
    current.codecString,
    plan.widthPx,
    plan.heightPx,
    Math.round(plan.bitrateBps * adaptation.bitrateScale),
    current.framerate / adaptation.framerateDivisor,
  );
  return layer.scalabilityMode ? { ...config, scalabilityMode: layer.scalabilityMode } : config;
}

function ensureEncoder(layer: LayerEncoder, current: VideoEncoderSettings): VideoEncoder {
  if (layer.encoder && layer.encoder.state === "configured") return layer.encoder;
  closeEncoder(layer);
  const { plan } = layer;
  const created: VideoEncoder = new VideoEncoder({
    output: (chunk, metadata) => {
      if (layer.encoder !== created) return;
      onChunk(layer, chunk, metadata);
      // In a task of its own, not inside the output callback: WebKitGTK's web process crashed when
      // the next encode() followed from there (or from a microtask after it).
      if (countsFramesInEncoder) setTimeout(onEncoderProgress, 0);
    },
    error: (error) => {
      scope.postMessage({ type: "error", message: `layer ${plan.layer} encoder error: ${error.message}` });
      if (layer.encoder === created) closeEncoder(layer);
    },
  });
  created.addEventListener("dequeue", onEncoderProgress);
  layer.scalabilityMode = temporalSupported ? TEMPORAL_MODE : "";
  created.configure(encoderConfig(layer, current));
  layer.encoder = created;
  layer.codec = track?.codec;
  // A fresh encoder's first frame is a key frame anyway; say so, so the schedule restarts from it.
  layer.keyframeWanted = true;
  return created;
}

function onChunk(layer: LayerEncoder, chunk: EncodedVideoChunk, metadata?: EncodedVideoChunkMetadata): void {
  const encoded = new Uint8Array(chunk.byteLength);
  chunk.copyTo(encoded);
  const outputAtUs = nowEpochUs();
  const captureTimeUs = layer.inEncoder.take(chunk.timestamp) ?? outputAtUs;
  captureToEncodedMs = (outputAtUs - captureTimeUs) / 1000;
  layer.framesEncoded++;
  if (layer.framesEncoded + framesEncodedBeforeReplan > stats.framesEncoded)
    stats.framesEncoded = layer.framesEncoded + framesEncodedBeforeReplan;
  const keyframe = chunk.type === "key";
  if (keyframe) layer.keyframesEncoded++;
  const durationUs = chunk.duration ?? 0;
  // `svc` is in WebCodecs (and Chromium) but not yet in TypeScript's DOM types.
  const svc = (metadata as { svc?: { temporalLayerId?: number } } | undefined)?.svc;
  const temporalLayer = svc?.temporalLayerId ?? 0;
  const spatialLayer = layer.plan.layer;
  if (!transform || !track || layer.codec === undefined) return;
  const codec = layer.codec;
  const frameMetadata = {
    senderSessionId: 0,
    ...track,
    codec,
    keyframe,
    captureTimeUs: BigInt(Math.round(captureTimeUs)),
  };
  transform.encode(
    encoded,
    frameMetadata,
    (bytes) => {
      const payload = exactBuffer(bytes);
      scope.postMessage(
        {
          type: "chunk",
          codec,
          keyframe,
          captureTimeUs,
          durationUs,
          layer: spatialLayer,
          temporalLayer,
          payload,
        },
        [payload],
      );
    },
    (error) => {
      stats.transformErrors++;
      // The receivers' decoders would miss this frame: restart the chain at a key frame.
      layer.keyframeWanted = true;
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

function closeEncoder(layer: LayerEncoder): void {
  const old = layer.encoder;
  layer.encoder = undefined;
  layer.inEncoder.clear();
  try {
    if (old && old.state !== "closed") old.close();
  } catch {
    // an encoder that just failed: it is gone either way
  }
}

function postStats(): void {
  const layerStats: EncoderLayerStats[] = layers.map((layer) => ({
    layer: layer.plan.layer,
    active: layer.encoder !== undefined,
    width: layer.plan.widthPx,
    height: layer.plan.heightPx,
    bitrateBps: Math.round(layer.plan.bitrateBps * adaptation.bitrateScale),
    framesEncoded: layer.framesEncoded,
    keyframesEncoded: layer.keyframesEncoded,
    scalabilityMode: layer.scalabilityMode,
  }));
  const top = layerStats.filter((layer) => layer.active).at(-1);
  scope.postMessage({
    type: "stats",
    ...stats,
    framesStale: newest.staleFrames,
    framesRedrawn: encodable.framesRedrawn,
    captureToEncodedMs,
    width: top?.width ?? 0,
    height: top?.height ?? 0,
    layers: layerStats,
  });
}

async function stop(): Promise<void> {
  clearInterval(statsTimer);
  newest.clear();
  try {
    await reader?.cancel();
  } catch {
    // the stream already ended
  }
  for (const layer of layers) closeEncoder(layer);
  transform?.close();
  scope.postMessage({ type: "stopped" });
}
