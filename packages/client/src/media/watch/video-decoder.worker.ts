/**
 * Video decoder worker: decodes one remote camera track with WebCodecs and draws each frame on the
 * tile's canvas (transferred here as an OffscreenCanvas), so neither decoding nor drawing touches
 * the page's main thread.
 */
import { OrderedFrameTransform } from "../transform/ordered-frame-transform.ts";
import { holdMs } from "./av-sync-clock.ts";
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
/** The decoder `warmUp` made, while nothing has been fed to it. */
let warmDecoder: VideoDecoder | undefined;
let framesDecoded = 0;
let chunksHandled = 0;
let statsTimer: ReturnType<typeof setInterval> | undefined;
/** Between packet and codec: identity unless the track was configured with a transform. */
let transform: OrderedFrameTransform | undefined;
/** Bumped by every decoder reset: a chunk still in an async transform then belongs to a stream that ended. */
let streamGeneration = 0;

/**
 * The receive-side video buffer: decoded frames waiting for their sound (lip sync) or for the
 * network's playout delay, in decode order, each at most MAX_HOLD_MS (holdMs). Bounded: past
 * MAX_HELD_FRAMES (the longest hold at 30 fps, and some) the oldest is dropped, and when several
 * are due at once only the newest is drawn (behind means drop, never queue).
 */
const MAX_HELD_FRAMES = 16;
interface HeldFrame {
  frame: VideoFrame;
  dueAtEpochMs: number;
  heldMs: number;
  captureTimeUs: number;
}
const held: HeldFrame[] = [];
let heldTimer: ReturnType<typeof setTimeout> | undefined;
/** Per chunk timestamp still in the decoder: when to present it and its capture time. */
const pending = new Map<number, { presentAtEpochMs: number | undefined; captureTimeUs: number }>();
let framesDroppedLate = 0;
let avSyncHoldMs = 0;
let captureToRenderMs = Number.NaN;
/** The last chunk's and the last decoded frame's stage times after capture: where a frame's delay builds up. */
let captureToDecodeStartMs = Number.NaN;
let captureToDecodedMs = Number.NaN;

function nowEpochMs(): number {
  return performance.timeOrigin + performance.now();
}

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
      if (warmDecoder && decoder === warmDecoder && codecString === message.codecString) break;
      codecString = message.codecString;
      resetDecoder();
      break;
    case "warmUp":
      if (decoder) break;
      try {
        codecString = message.codecString;
        decoder = createDecoder(codecString);
        warmDecoder = decoder;
      } catch {
        decoder = undefined; // the first key frame tries again
      }
      break;
    case "chunk": {
      chunksHandled++;
      const { metadata, timestampUs } = message;
      captureToDecodeStartMs = nowEpochMs() - Number(metadata.captureTimeUs) / 1000;
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
        if (generation !== streamGeneration) return;
        pending.set(timestampUs, {
          presentAtEpochMs: message.presentAtEpochMs,
          captureTimeUs: Number(metadata.captureTimeUs),
        });
        if (pending.size > 2 * MAX_DECODE_QUEUE) pending.delete(pending.keys().next().value ?? 0);
        decode(metadata.keyframe, timestampUs, outcome.payload);
      });
      break;
    }
    case "clear":
      dropHeld();
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
  // A warmed-up decoder is fresh only until it is fed: later configures reset it as usual.
  warmDecoder = undefined;
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
      if (decoder === created) present(frame);
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

/** Draws a decoded frame now, or holds it until its sound plays. */
function present(frame: VideoFrame): void {
  const timing = pending.get(frame.timestamp);
  pending.delete(frame.timestamp);
  const now = nowEpochMs();
  const waitMs = holdMs(timing?.presentAtEpochMs, now);
  const captureTimeUs = timing?.captureTimeUs ?? Number.NaN;
  captureToDecodedMs = now - captureTimeUs / 1000;
  if (waitMs <= 1 && held.length === 0) {
    avSyncHoldMs = 0;
    render(frame, captureTimeUs);
    return;
  }
  // Never behind an earlier frame's due time: frames leave in decode order.
  const last = held[held.length - 1];
  const dueAtEpochMs = Math.max(now + waitMs, last?.dueAtEpochMs ?? 0);
  held.push({ frame, dueAtEpochMs, heldMs: waitMs, captureTimeUs });
  if (held.length > MAX_HELD_FRAMES) {
    held.shift()?.frame.close();
    framesDroppedLate++;
  }
  scheduleHeld();
}

function scheduleHeld(): void {
  if (heldTimer !== undefined || held.length === 0) return;
  const first = held[0];
  if (!first) return;
  heldTimer = setTimeout(releaseDue, Math.max(0, first.dueAtEpochMs - nowEpochMs()));
}

/** Draws the newest frame that is due; older due ones are dropped (they would only be shown late). */
function releaseDue(): void {
  heldTimer = undefined;
  const now = nowEpochMs();
  let newest: HeldFrame | undefined;
  while (held.length > 0 && (held[0]?.dueAtEpochMs ?? 0) <= now + 1) {
    const next = held.shift();
    if (newest) {
      newest.frame.close();
      framesDroppedLate++;
    }
    newest = next;
  }
  if (newest) {
    avSyncHoldMs = newest.heldMs;
    render(newest.frame, newest.captureTimeUs);
  }
  scheduleHeld();
}

function dropHeld(): void {
  clearTimeout(heldTimer);
  heldTimer = undefined;
  for (const item of held.splice(0)) item.frame.close();
  pending.clear();
}

function render(frame: VideoFrame, captureTimeUs: number): void {
  try {
    if (frame.displayWidth * frame.displayHeight > MAX_RENDER_PIXELS) {
      fail(`frame of ${frame.displayWidth}×${frame.displayHeight} is larger than this tile draws`);
      return;
    }
    framesDecoded++;
    if (!canvas || !context) return;
    const resized = canvas.width !== frame.displayWidth || canvas.height !== frame.displayHeight;
    if (resized) {
      canvas.width = frame.displayWidth;
      canvas.height = frame.displayHeight;
    }
    context.drawImage(frame, 0, 0);
    captureToRenderMs = nowEpochMs() - captureTimeUs / 1000;
    // The page shows the tile's video (and lays it out) from these figures: the first frame and a
    // new size go at once, not at the next report up to 250 ms later.
    if (resized || framesDecoded === 1) report();
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
  warmDecoder = undefined;
  streamGeneration++;
  dropHeld();
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
    framesDroppedLate,
    avSyncHoldMs,
    captureToRenderMs,
    captureToDecodeStartMs,
    captureToDecodedMs,
    decoderConfigured: decoder?.state === "configured",
  });
}
