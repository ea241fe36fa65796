/**
 * Video decoder worker: decodes one remote camera track with WebCodecs and draws each frame on the
 * tile's canvas (transferred here as an OffscreenCanvas), so neither decoding nor drawing touches
 * the page's main thread.
 */
import { OrderedFrameTransform } from "../transform/ordered-frame-transform.ts";
import type { FromVideoDecoder, ToVideoDecoder } from "./video-decoder-messages.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent<ToVideoDecoder>) => void) | null;
  postMessage(message: FromVideoDecoder): void;
  close(): void;
}
const scope = self as unknown as WorkerScope;

const STATS_INTERVAL_MS = 250;
/**
 * Chunks the decoder may hold before it counts as stuck (about a second at 30 fps; a healthy
 * realtime decoder holds one or two). Past it the decoder is reset and waits for a key frame, so a
 * slow or wedged decode costs this tile a key frame, never unbounded memory.
 */
const MAX_DECODE_QUEUE = 30;
/** Largest frame drawn (4K UHD): a peer cannot make this tile allocate an 8K or 16K canvas. */
const MAX_RENDER_PIXELS = 3840 * 2160;

let canvas: OffscreenCanvas | undefined;
let context: OffscreenCanvasRenderingContext2D | null = null;
let decoder: VideoDecoder | undefined;
let codecString = "";
let framesDecoded = 0;
let chunksHandled = 0;
let statsTimer: ReturnType<typeof setInterval> | undefined;
/** Between packet and codec: identity unless the track was configured with a transform. */
let transform: OrderedFrameTransform | undefined;
/** Bumped by every decoder reset: a chunk still in an async transform then belongs to a stream that ended. */
let streamGeneration = 0;

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case "init":
      canvas = message.canvas;
      context = canvas.getContext("2d");
      transform = new OrderedFrameTransform(message.transform, "decode");
      statsTimer = setInterval(report, STATS_INTERVAL_MS);
      break;
    case "configure":
      codecString = message.codecString;
      resetDecoder();
      break;
    case "chunk": {
      chunksHandled++;
      const { metadata, timestampUs } = message;
      const generation = streamGeneration;
      transform?.decode(new Uint8Array(message.payload), metadata, (outcome) => {
        if (!outcome.ok) {
          scope.postMessage({
            type: "transformFailed",
            reason: outcome.error.reason,
            message: outcome.error.message,
          });
          return;
        }
        if (generation === streamGeneration) decode(metadata.keyframe, timestampUs, outcome.payload);
      });
      break;
    }
    case "clear":
      context?.clearRect(0, 0, canvas?.width ?? 0, canvas?.height ?? 0);
      break;
    case "close":
      clearInterval(statsTimer);
      resetDecoder();
      transform?.close();
      scope.close();
      break;
  }
};

function decode(keyframe: boolean, timestampUs: number, payload: Uint8Array): void {
  try {
    if (!decoder || decoder.state === "closed") {
      if (!keyframe || !codecString) return;
      decoder = createDecoder(codecString);
    }
    if (decoder.decodeQueueSize > MAX_DECODE_QUEUE) {
      fail(`decoder stuck with ${decoder.decodeQueueSize} chunks queued`);
      return;
    }
    decoder.decode(
      new EncodedVideoChunk({ type: keyframe ? "key" : "delta", timestamp: timestampUs, data: payload }),
    );
  } catch (error) {
    fail(`decode failed: ${String(error)}`);
  }
}

function createDecoder(codec: string): VideoDecoder {
  // The callbacks belong to this decoder: one that failed must not reset its successor, which a
  // key frame may already have created by the time the failure is reported.
  const created: VideoDecoder = new VideoDecoder({
    output: (frame) => {
      if (decoder === created) render(frame);
      else frame.close();
    },
    error: (error) => {
      if (decoder === created) fail(`decoder error: ${error.message}`);
    },
  });
  // No coded size: VP8 and VP9 carry it in the key frame. No description either: H.264 arrives as
  // Annex-B with SPS/PPS inline, which is what WebCodecs expects when the description is absent.
  created.configure({ codec, optimizeForLatency: true });
  return created;
}

function render(frame: VideoFrame): void {
  try {
    if (frame.displayWidth * frame.displayHeight > MAX_RENDER_PIXELS) {
      fail(`frame of ${frame.displayWidth}×${frame.displayHeight} is larger than this tile draws`);
      return;
    }
    framesDecoded++;
    if (!canvas || !context) return;
    if (canvas.width !== frame.displayWidth || canvas.height !== frame.displayHeight) {
      canvas.width = frame.displayWidth;
      canvas.height = frame.displayHeight;
    }
    context.drawImage(frame, 0, 0);
  } catch (error) {
    fail(`drawing a frame failed: ${String(error)}`);
  } finally {
    frame.close();
  }
}

function fail(message: string): void {
  resetDecoder();
  scope.postMessage({ type: "error", message });
}

function resetDecoder(): void {
  streamGeneration++;
  const old = decoder;
  decoder = undefined;
  try {
    if (old && old.state !== "closed") old.close();
  } catch {
    // closing a decoder that just failed: it is gone either way
  }
}

function report(): void {
  scope.postMessage({
    type: "stats",
    framesDecoded,
    chunksHandled,
    width: canvas?.width ?? 0,
    height: canvas?.height ?? 0,
  });
}
