import type { Codec, Media } from "@videocall/protocol";
import { decoderCodecString } from "../tracks.ts";
import type { FrameTransformConfig, FrameTransformErrorReason } from "../transform/frame-transform.ts";
import { specFor } from "../transform/frame-transform.ts";
import { type AvSyncClock, MAX_AV_SYNC_HOLD_MS } from "./av-sync-clock.ts";
import { FrameRateMeter } from "./frame-rate-meter.ts";
import { KeyframeRequester } from "./keyframe-requester.ts";
import type { FromVideoDecoder, ToVideoDecoder } from "./video-decoder-messages.ts";
import { VideoPlayoutDelay } from "./video-playout-delay.ts";
import { VideoStreamGate } from "./video-stream-gate.ts";

export interface VideoWatcherStats {
  framesReceived: number;
  framesDecoded: number;
  /** Frames dropped while waiting for a key frame (after joining, a loss or a decoder error). */
  framesDropped: number;
  fps: number;
  width: number;
  height: number;
  keyframeRequests: number;
  /** Times the decoder failed (an undecodable frame, say) and was reset to wait for a key frame. */
  decoderErrors: number;
  /** Frames the frame transform refused (each also waits for a key frame). */
  transformErrors: number;
  /** The last frame was refused for want of a key (E2EE): the tile says so instead of freezing. */
  waitingForKeys: boolean;
  /** The simulcast layer being decoded (Media.layer); -1 before the first frame. */
  layer: number;
  /** Frames received per layer (index: Media.layer, 0..3; higher ones count as 3). */
  framesByLayer: number[];
  /** Decoded frames not shown because a newer one was due by then (held for lip sync, then overtaken). */
  framesDroppedLate: number;
  /** How long the last frame shown waited for its sound (0: audio absent, or video late). */
  avSyncHoldMs: number;
  /** The last frame's render time (this page's epoch clock) minus its capture time (sender clock). */
  captureToRenderMs: number;
  /**
   * The same for the stages before it, each of its last frame: arrival on this page, the decoder
   * worker taking it, the decoder giving it back. Where a late frame lost its time.
   */
  captureToArrivalMs: number;
  captureToDecodeStartMs: number;
  captureToDecodedMs: number;
  /** How long frames are held to ride out the network's repairs (VideoPlayoutDelay; 0 on a clean link). */
  playoutDelayMs: number;
  /** The decoder worker runs (started by `prepare`, or by the first frame worth decoding). */
  decoderStarted: boolean;
  /** Its decoder is configured (warmed up by `prepare` with the codec, or made at a key frame). */
  decoderConfigured: boolean;
}

export interface VideoWatcherOptions {
  keyframeIntervalMs?: number;
  /** Runs in the decoder worker on every frame before the decoder (identity by default). */
  frameTransform?: FrameTransformConfig;
  /** The publisher's session id, given to the transform as the sender. */
  senderSessionId?: number;
  /** The peer's audio playout clock: frames wait (≤ 200 ms) for the sound of their capture time. */
  avSync?: AvSyncClock;
  /** This client's round trip to the relay (ms): bounds the playout delay to what a repair takes. */
  roundTripMs?: () => number | undefined;
}

/**
 * Chunks posted to the worker and not yet taken from its queue, at most: about three seconds at
 * 30 fps. A worker that falls this far behind (its thread starved, a draw that blocks) costs this
 * tile its frames until the next key frame, never unbounded memory in the page.
 */
const MAX_CHUNKS_IN_FLIGHT = 90;

/**
 * How far the delay frames are shown at (their due time − capture time) may move from one frame
 * to the next, ms. A new delay (a repair seen, the sound re-buffered) is then reached over a few
 * frames, each shown a little later, instead of in one gap that reads as a freeze.
 */
const DELAY_SLEW_MS_PER_FRAME = 10;

/**
 * Watches one remote video track: checks sequence continuity, feeds a decoder worker (frame
 * transform, then decoder) that draws on `canvas`, and asks the publisher for a key frame whenever
 * the decoder cannot continue. The worker starts with the first frame worth decoding, so a track
 * that is announced but never sends costs only its canvas.
 *
 * Whatever the peer sends (garbage payloads, absurd sequence numbers or timestamps, codec flips,
 * several tracks), the worst outcome is this tile waiting for a key frame: the decoder runs in its
 * own worker, the header checks are in VideoStreamGate, and key frame requests are rate-limited.
 */
export class VideoWatcher {
  readonly canvas: HTMLCanvasElement;
  #worker: Worker | undefined;
  #options: VideoWatcherOptions;
  #keyframes: KeyframeRequester;
  #gate = new VideoStreamGate();
  #playoutDelay: VideoPlayoutDelay;
  /** The delay (due − capture, ms) the last frame was given; undefined: it was shown at once. */
  #shownDelayMs: number | undefined;
  /**
   * The decoder's chunk timestamps: our own increasing clock, not the peer's capture time, which
   * can be anything a uint64 holds (WebCodecs rejects a timestamp beyond 2^53).
   */
  #chunkTimestampUs = 0;
  #chunksPosted = 0;
  /** From the worker's last stats report. */
  #chunksHandled = 0;
  #fps = new FrameRateMeter();
  #stats = {
    framesReceived: 0,
    framesDecoded: 0,
    framesDropped: 0,
    width: 0,
    height: 0,
    decoderErrors: 0,
    transformErrors: 0,
    waitingForKeys: false,
    framesDroppedLate: 0,
    avSyncHoldMs: 0,
    captureToRenderMs: Number.NaN,
    captureToArrivalMs: Number.NaN,
    captureToDecodeStartMs: Number.NaN,
    captureToDecodedMs: Number.NaN,
    decoderConfigured: false,
  };
  #framesByLayer = [0, 0, 0, 0];
  #closed = false;
  #warmedUp = false;
  /** Called when a decoded frame size first becomes known or changes (for layout). */
  onResize: (width: number, height: number) => void = () => {};
  onError: (message: string) => void = () => {};

  /** `requestKeyframe` asks this track's publisher for a key frame. */
  constructor(requestKeyframe: () => void, options: VideoWatcherOptions = {}) {
    this.#options = options;
    this.#playoutDelay = new VideoPlayoutDelay({ roundTripMs: options.roundTripMs });
    this.#keyframes = new KeyframeRequester(requestKeyframe, {
      minIntervalMs: options.keyframeIntervalMs ?? 500,
    });
    this.canvas = document.createElement("canvas");
  }

  /** True once the decoder worker runs (prepared, or after the first frame worth decoding). */
  get hasWorker(): boolean {
    return this.#worker !== undefined;
  }

  /**
   * Starts the decoder worker before the first frame, for a track about to be received: its
   * start (the worker's script, the canvas handed over) then overlaps the wait for a key frame
   * instead of following it. It was about 170 ms of a late joiner's 1.1 s to its first frame here.
   * With the track's `codec`, the decoder itself is made and configured too.
   */
  prepare(codec?: Codec): void {
    if (this.#closed) return;
    this.#ensureWorker();
    const codecString = codec === undefined ? undefined : decoderCodecString(codec);
    if (codecString !== undefined && !this.#warmedUp) {
      this.#warmedUp = true;
      this.#post({ type: "warmUp", codecString });
    }
  }

  stats(): VideoWatcherStats {
    return {
      ...this.#stats,
      fps: this.#fps.fps,
      keyframeRequests: this.#keyframes.requestsSent,
      layer: this.#gate.layer ?? -1,
      framesByLayer: [...this.#framesByLayer],
      playoutDelayMs: this.#playoutDelay.delayMs,
      decoderStarted: this.#worker !== undefined,
    };
  }

  receive(media: Media): void {
    if (this.#closed) return;
    this.#stats.framesReceived++;
    this.#framesByLayer[Math.min(media.layer, 3)]!++;
    const nowMs = performance.now();
    const arrivedAtEpochMs = performance.timeOrigin + nowMs;
    const captureTimeUs = Number(media.captureTimeUs);
    this.#stats.captureToArrivalMs = arrivedAtEpochMs - captureTimeUs / 1000;
    this.#playoutDelay.frameArrived(captureTimeUs, arrivedAtEpochMs);
    const decision = this.#gate.offer(media, nowMs);
    if (decision.configure) this.#post({ type: "configure", codecString: decision.configure });
    if (decision.action === "drop") {
      this.#stats.framesDropped++;
      if (decision.needKeyframe) this.#keyframes.request();
      return;
    }
    if (this.#chunksPosted - this.#chunksHandled >= MAX_CHUNKS_IN_FLIGHT) {
      this.#stats.framesDropped++;
      this.#gate.decoderFailed(); // the frames skipped break the chain: restart at a key frame
      this.#keyframes.request();
      return;
    }
    this.#chunksPosted++;
    this.#chunkTimestampUs = Math.max(this.#chunkTimestampUs + 1, Math.round(performance.now() * 1000));
    // Copy: the payload is a view into the socket's message, and the copy can be transferred.
    const payload = media.payload.slice().buffer;
    const metadata = {
      senderSessionId: this.#options.senderSessionId ?? 0,
      trackId: media.trackId,
      kind: media.kind,
      codec: media.codec,
      keyframe: media.keyframe,
      captureTimeUs: media.captureTimeUs,
    };
    const presentAtEpochMs = this.#presentAtEpochMs(captureTimeUs, arrivedAtEpochMs, nowMs);
    this.#post({ type: "chunk", timestampUs: this.#chunkTimestampUs, metadata, payload, presentAtEpochMs }, [
      payload,
    ]);
  }

  /**
   * When the worker shows this frame: after the network's playout delay, and no sooner than its
   * sound plays (lip sync, held at most MAX_AV_SYNC_HOLD_MS past its arrival); while a playout
   * delay holds, the delay moves by at most DELAY_SLEW_MS_PER_FRAME a frame; undefined: at once.
   */
  #presentAtEpochMs(captureTimeUs: number, arrivedAtEpochMs: number, nowMs: number): number | undefined {
    const captureMs = captureTimeUs / 1000;
    const forNetwork = this.#playoutDelay.presentAtEpochMs(captureTimeUs);
    if (forNetwork !== undefined) this.#options.avSync?.videoDelayed(forNetwork - captureMs, nowMs);
    const forSound = this.#options.avSync?.presentAtEpochMs(captureTimeUs, nowMs);
    const forSoundCapped =
      forSound === undefined ? undefined : Math.min(forSound, arrivedAtEpochMs + MAX_AV_SYNC_HOLD_MS);
    // Without a playout delay (a clean link) video follows its sound at once: slewing there moved
    // single flashes past 45 ms of their beeps when the audio buffer changed depth.
    if (forNetwork === undefined) {
      this.#shownDelayMs = undefined;
      return forSoundCapped;
    }
    const due = forSoundCapped === undefined ? forNetwork : Math.max(forNetwork, forSoundCapped);
    const previous = this.#shownDelayMs ?? arrivedAtEpochMs - captureMs;
    const delayMs = Math.min(
      previous + DELAY_SLEW_MS_PER_FRAME,
      Math.max(previous - DELAY_SLEW_MS_PER_FRAME, due - captureMs),
    );
    this.#shownDelayMs = delayMs;
    return captureMs + delayMs;
  }

  /** The publisher turned its camera off: forget the stream so a fresh key frame restarts it. */
  reset(): void {
    this.#gate.reset();
    this.#playoutDelay.reset();
    this.#shownDelayMs = undefined;
    if (this.#worker) this.#post({ type: "clear" });
  }

  close(): void {
    if (this.#closed) return;
    if (this.#worker) this.#post({ type: "close" });
    this.#closed = true;
    // The worker closes itself after releasing its decoder; terminate in case it is stuck.
    const worker = this.#worker;
    if (worker) setTimeout(() => worker.terminate(), 500);
  }

  #onWorkerMessage(message: FromVideoDecoder): void {
    if (this.#closed) return;
    switch (message.type) {
      case "stats": {
        const resized = message.width !== this.#stats.width || message.height !== this.#stats.height;
        if (message.framesDecoded > this.#stats.framesDecoded) this.#stats.waitingForKeys = false;
        this.#stats.framesDecoded = message.framesDecoded;
        this.#chunksHandled = message.chunksHandled;
        this.#stats.width = message.width;
        this.#stats.height = message.height;
        this.#stats.framesDroppedLate = message.framesDroppedLate;
        this.#stats.avSyncHoldMs = message.avSyncHoldMs;
        this.#stats.captureToRenderMs = message.captureToRenderMs;
        this.#stats.captureToDecodeStartMs = message.captureToDecodeStartMs;
        this.#stats.captureToDecodedMs = message.captureToDecodedMs;
        this.#stats.decoderConfigured = message.decoderConfigured;
        this.#fps.sample(message.framesDecoded);
        if (resized) this.onResize(message.width, message.height);
        break;
      }
      case "error":
        this.#stats.decoderErrors++;
        this.#gate.decoderFailed();
        this.#keyframes.request();
        this.onError(message.message);
        break;
      case "transformFailed":
        this.#onTransformFailed(message.reason);
        break;
    }
  }

  #onTransformFailed(reason: FrameTransformErrorReason): void {
    this.#stats.transformErrors++;
    this.#stats.waitingForKeys = reason === "waiting-for-keys";
    this.#gate.decoderFailed();
    this.#keyframes.request();
  }

  #post(message: ToVideoDecoder, transfer: Transferable[] = []): void {
    if (this.#closed) return;
    this.#ensureWorker().postMessage(message, transfer);
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL("./video-decoder.worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<FromVideoDecoder>) => this.#onWorkerMessage(event.data);
    // An exception escaping the worker must not surface as the page's error: treat it as a failed
    // decode (the worker resets its decoder on the next configure or key frame).
    worker.onerror = (event) => {
      event.preventDefault();
      this.#onWorkerMessage({ type: "error", message: `decoder worker error: ${event.message}` });
    };
    this.#worker = worker;
    const offscreen = this.canvas.transferControlToOffscreen();
    const { spec, transfer } = specFor(this.#options.frameTransform);
    worker.postMessage({ type: "init", canvas: offscreen, transform: spec } satisfies ToVideoDecoder, [
      offscreen,
      ...transfer,
    ]);
    return worker;
  }
}
