import { MediaKind } from "@videocall/protocol";
import type { LocalTrack } from "../../session/local-track.ts";
import type { MeetingSession } from "../../session/meeting-session.ts";
import { canTransferStreams } from "../support/transferable-streams.ts";
import { VIDEO_CODECS, type VideoCodecChoice } from "../tracks.ts";
import { type FrameTransformConfig, specFor } from "../transform/frame-transform.ts";
import { SendQualityController, type SendQualityTarget } from "./send-quality-controller.ts";
import { ALL_LAYERS_MASK, simulcastLayers, singleLayer } from "./simulcast-layers.ts";
import type { EncoderLayerStats, FromVideoEncoder, ToVideoEncoder } from "./video-encoder-messages.ts";
import { openVideoFrameSource, type VideoFrameSource } from "./video-frame-source.ts";

export interface CameraPublisherOptions {
  codec?: VideoCodecChoice;
  bitrateKbps?: number;
  framerate?: number;
  keyframeIntervalMs?: number;
  /** Skip raw frames while the session has more than this many bytes queued for sending. */
  congestionThresholdBytes?: number;
  muted?: boolean;
  /** "screen" publishes a screen share (MediaKind.SCREEN): receivers give it a tile of its own. */
  source?: "camera" | "screen";
  /** Applied to each encoded frame inside the encoder worker (the session's E2EE, else identity). */
  frameTransform?: FrameTransformConfig;
  /**
   * Publish up to three spatial layers (320×180 at 150 kbps, 640×360 at 500 kbps, 1280×720 at
   * 1.5 Mbps; those the capture size reaches), one encoder each; `bitrateKbps` is then unused.
   * Default: on for a camera, off for a screen share (one layer at the capture size).
   */
  simulcast?: boolean;
  /** L1T3 temporal layers in each encoder where the browser supports them (default true). */
  temporalLayers?: boolean;
  /** Step quality down when the uplink or the CPU falls behind, and back up (default true). */
  adaptation?: boolean;
}

/** What the sender adaptation is doing (send-quality-controller.ts), for diagnostics and tests. */
export interface SendAdaptationStats extends SendQualityTarget {
  downgrades: number;
  upgrades: number;
}

export interface CameraPublisherStats {
  /** Camera frames encoded: the busiest layer's count (each layer's own is in `layers`). */
  framesEncoded: number;
  framesSkipped: number;
  /**
   * Camera frames never encoded because a newer one came while the encoder was behind (it then
   * takes the newest): a busy CPU shows here first.
   */
  framesStale: number;
  /**
   * Camera frames in a pixel format the encoder cannot read (a depth camera's), drawn on a canvas
   * to be encoded: each costs a copy, so a camera that shows here costs more CPU.
   */
  framesRedrawn: number;
  width: number;
  height: number;
  keyframesSent: number;
  bytesSent: number;
  /** Encoded frames the frame transform refused. */
  transformErrors: number;
  /**
   * The last frame's stages after its capture (the encoder worker reading it), ms: out of the
   * encoder, and handed to the session on this page. NaN before the first.
   */
  captureToEncodedMs: number;
  captureToSentMs: number;
  /** Per spatial layer: its size, whether it is being encoded, frames encoded. */
  layers: EncoderLayerStats[];
  /** The last LayerDemand mask for this track (bit i: layer i wanted). */
  layersMask: number;
  adaptation: SendAdaptationStats;
}

const CONGESTION_POLL_MS = 50;
/** How often the sender adaptation looks at the uplink and the encoder: pings come every 500 ms. */
const ADAPTATION_TICK_MS = 500;

/**
 * Publishes a camera track: raw frames flow from the page (video-frame-source.ts) to a worker
 * that encodes them (and runs the frame transform), and the encoded chunks come back to be sent
 * on its LocalTrack, whose id the session allocates. Key frames: every `keyframeIntervalMs`, and
 * whenever a receiver asks for one. Works for any video MediaStreamTrack (camera or screen).
 */
export class CameraPublisher {
  #codec: VideoCodecChoice;
  /** The published track (id, mute state, send stats); closed with this publisher. */
  readonly localTrack: LocalTrack;
  #session: MeetingSession;
  #track: MediaStreamTrack;
  #worker: Worker;
  #source: VideoFrameSource;
  #muted: boolean;
  #congested = false;
  #congestionThresholdBytes: number;
  #congestionTimer: ReturnType<typeof setInterval> | undefined;
  #adaptationTimer: ReturnType<typeof setInterval> | undefined;
  #adaptationSeen = { framesEncoded: 0, framesStale: 0 };
  #offKeyframeRequested: () => void;
  #offLayerDemand: () => void;
  #offReconnected: () => void;
  #closed = false;
  #stats: CameraPublisherStats = {
    framesEncoded: 0,
    framesSkipped: 0,
    framesStale: 0,
    framesRedrawn: 0,
    captureToEncodedMs: Number.NaN,
    captureToSentMs: Number.NaN,
    width: 0,
    height: 0,
    keyframesSent: 0,
    bytesSent: 0,
    transformErrors: 0,
    layers: [],
    layersMask: ALL_LAYERS_MASK,
    adaptation: {
      level: 0,
      bitrateScale: 1,
      framerateDivisor: 1,
      layersDropped: 0,
      limitation: "none",
      downgrades: 0,
      upgrades: 0,
    },
  };
  /** Called with a message when the encoder fails; the track keeps running. */
  onError: (message: string) => void = () => {};

  constructor(session: MeetingSession, track: MediaStreamTrack, options: CameraPublisherOptions = {}) {
    this.#session = session;
    this.#track = track;
    this.#codec = options.codec ?? "vp8";
    this.#muted = options.muted ?? false;
    this.#congestionThresholdBytes = options.congestionThresholdBytes ?? 256 * 1024;
    const codec = VIDEO_CODECS[this.#codec];
    // First, so a browser that cannot capture publishes nothing. One buffered frame: when the
    // encoder falls behind, stale frames are dropped there, before they cost an encode.
    const framerate = options.framerate ?? 30;
    this.#source = openVideoFrameSource(track, framerate);
    const simulcast = options.simulcast ?? options.source !== "screen";
    const bitrateBps = (options.bitrateKbps ?? 1000) * 1000;
    // What the capture promises; the worker announces the real ladder from the first frame's size.
    const captured = track.getSettings?.() ?? {};
    const width = captured.width ?? 0;
    const height = captured.height ?? 0;
    this.localTrack = session.publishTrack({
      kind: options.source === "screen" ? MediaKind.SCREEN : MediaKind.VIDEO,
      codec: codec.wire,
      muted: this.#muted,
      layers: simulcast ? simulcastLayers(width, height) : singleLayer(width, height, bitrateBps),
    });

    this.#worker = new Worker(new URL("./video-encoder.worker.ts", import.meta.url), { type: "module" });
    this.#worker.onmessage = (event: MessageEvent<FromVideoEncoder>) => this.#onWorkerMessage(event.data);
    const transform = specFor(options.frameTransform ?? session.e2ee?.frameTransform);
    const transferStream = canTransferStreams();
    this.#post(
      {
        type: "start",
        frames: transferStream ? this.#source.frames : undefined,
        track: { trackId: this.localTrack.trackId, kind: this.localTrack.kind, codec: codec.wire },
        transform: transform.spec,
        settings: {
          codecString: codec.codecString,
          bitrateBps,
          framerate,
          keyframeIntervalMs: options.keyframeIntervalMs ?? 2000,
          simulcast,
          temporalLayers: options.temporalLayers ?? true,
        },
      },
      [...(transferStream ? [this.#source.frames as unknown as Transferable] : []), ...transform.transfer],
    );
    if (!transferStream) void this.#postFrames(this.#source.frames);
    if (this.#muted) this.#post({ type: "paused", paused: true });
    this.#offKeyframeRequested = this.localTrack.events.on("keyframeRequested", (layer) =>
      this.#post({ type: "keyframe", layer }),
    );
    this.#offLayerDemand = session.events.on("layerDemand", (trackId, layersMask) => {
      if (trackId === this.localTrack.trackId) this.#setLayersMask(layersMask);
    });
    // A new connection's relay has not said anything yet: every layer until it does.
    this.#offReconnected = session.events.on("reconnected", () => this.#setLayersMask(ALL_LAYERS_MASK));
    if (options.adaptation ?? true) {
      const quality = new SendQualityController({ source: options.source ?? "camera" });
      this.#adaptationTimer = setInterval(() => this.#adapt(quality), ADAPTATION_TICK_MS);
    }
  }

  #adapt(quality: SendQualityController): void {
    if (this.#closed || this.#muted || this.#session.isClosed) return;
    const { framesEncoded, framesStale } = this.#stats;
    const changed = quality.update({
      nowMs: performance.now(),
      bufferedBytes: this.#session.bufferedBytes,
      rttMs: this.#session.stats().rttMs,
      framesEncoded: framesEncoded - this.#adaptationSeen.framesEncoded,
      framesStale: framesStale - this.#adaptationSeen.framesStale,
    });
    this.#adaptationSeen = { framesEncoded, framesStale };
    const target = changed ?? quality.target();
    this.#stats.adaptation = { ...target, downgrades: quality.downgrades, upgrades: quality.upgrades };
    if (changed) {
      const { bitrateScale, framerateDivisor, layersDropped } = changed;
      this.#post({ type: "adapt", bitrateScale, framerateDivisor, layersDropped });
    }
  }

  get trackId(): number {
    return this.localTrack.trackId;
  }

  /** Without transferable streams: each frame is posted (and transferred) to the worker. */
  async #postFrames(frames: ReadableStream<VideoFrame>): Promise<void> {
    const reader = frames.getReader();
    try {
      for (;;) {
        const { value: frame, done } = await reader.read();
        if (done) return;
        if (this.#closed) {
          frame.close();
          await reader.cancel();
          return;
        }
        this.#worker.postMessage({ type: "frame", frame } satisfies ToVideoEncoder, [frame]);
      }
    } catch (error) {
      this.onError(`camera frames stopped: ${String(error)}`);
    }
  }

  /** The codec being encoded now (codec negotiation may change it: `setCodec`). */
  get codec(): VideoCodecChoice {
    return this.#codec;
  }

  /**
   * Encodes `codec` from the next frame on: every layer's encoder restarts (with a key frame), and
   * receivers learn it from the TrackState and from each frame's Media.codec.
   */
  setCodec(codec: VideoCodecChoice): void {
    if (this.#closed || codec === this.#codec) return;
    this.#codec = codec;
    const { codecString, wire } = VIDEO_CODECS[codec];
    this.#post({ type: "codec", codecString, codec: wire });
    this.localTrack.setCodec(wire);
  }

  get muted(): boolean {
    return this.#muted;
  }

  get track(): MediaStreamTrack {
    return this.#track;
  }

  stats(): CameraPublisherStats {
    return {
      ...this.#stats,
      layers: this.#stats.layers.map((layer) => ({ ...layer })),
      adaptation: { ...this.#stats.adaptation },
    };
  }

  /** LayerDemand from the relay: encode only the layers in `layersMask` (bit i: layer i). */
  #setLayersMask(layersMask: number): void {
    if (this.#closed) return;
    this.#stats.layersMask = layersMask >>> 0;
    this.#post({ type: "layerDemand", layersMask: layersMask >>> 0 });
  }

  /** Camera off (true) or on: stops sending and tells receivers to show a placeholder. */
  setMuted(muted: boolean): void {
    if (this.#closed || muted === this.#muted) return;
    this.#muted = muted;
    this.#track.enabled = !muted;
    this.#post({ type: "paused", paused: muted });
    this.localTrack.setMuted(muted);
  }

  /**
   * Stops encoding and the camera, and closes the LocalTrack (receivers drop its tile). `unpublish`
   * is accepted for older callers: the track is always withdrawn now.
   */
  close(_options: { unpublish?: boolean } = {}): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#offKeyframeRequested();
    this.#offLayerDemand();
    this.#offReconnected();
    clearInterval(this.#congestionTimer);
    clearInterval(this.#adaptationTimer);
    this.#post({ type: "stop" });
    // Give the worker a moment to cancel the stream and close the encoder, then end it regardless.
    const worker = this.#worker;
    setTimeout(() => worker.terminate(), 500);
    this.#source.close();
    this.#track.stop();
    this.localTrack.close();
  }

  #onWorkerMessage(message: FromVideoEncoder): void {
    switch (message.type) {
      case "chunk":
        if (this.#closed || this.#muted || this.localTrack.closed) return;
        this.localTrack.sendFrame({
          codec: message.codec,
          keyframe: message.keyframe,
          captureTimeUs: message.captureTimeUs,
          durationUs: message.durationUs,
          layer: message.layer,
          temporalLayer: message.temporalLayer,
          payload: new Uint8Array(message.payload),
        });
        this.#stats.captureToSentMs =
          performance.timeOrigin + performance.now() - message.captureTimeUs / 1000;
        if (message.keyframe) this.#stats.keyframesSent++;
        this.#stats.bytesSent += message.payload.byteLength;
        this.#checkCongestion();
        break;
      case "stats":
        this.#stats.framesEncoded = message.framesEncoded;
        this.#stats.framesSkipped = message.framesSkipped;
        this.#stats.framesStale = message.framesStale;
        this.#stats.framesRedrawn = message.framesRedrawn;
        this.#stats.transformErrors = message.transformErrors;
        this.#stats.captureToEncodedMs = message.captureToEncodedMs;
        this.#stats.width = message.width;
        this.#stats.height = message.height;
        this.#stats.layers = message.layers;
        break;
      case "layers":
        this.localTrack.setLayers(message.layers);
        break;
      case "error":
        this.onError(message.message);
        break;
      case "stopped":
        this.#worker.terminate();
        break;
    }
  }

  /** Sender-side backpressure: pause encoding while the socket's send buffer is too full. */
  #checkCongestion(): void {
    if (this.#congested || this.#session.bufferedBytes <= this.#congestionThresholdBytes) return;
    this.#setCongested(true);
    this.#congestionTimer = setInterval(() => {
      if (this.#session.isClosed || this.#session.bufferedBytes <= this.#congestionThresholdBytes / 2) {
        clearInterval(this.#congestionTimer);
        this.#congestionTimer = undefined;
        this.#setCongested(false);
      }
    }, CONGESTION_POLL_MS);
  }

  #setCongested(congested: boolean): void {
    this.#congested = congested;
    this.#post({ type: "congested", congested });
  }

  #post(message: ToVideoEncoder, transfer: Transferable[] = []): void {
    if (this.#closed && message.type !== "stop") return;
    this.#worker.postMessage(message, transfer);
  }
}
