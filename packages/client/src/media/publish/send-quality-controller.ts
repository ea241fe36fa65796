/**
 * Sender adaptation in steps, as WebRTC's `balanced` degradation preference does it: when the
 * uplink or the CPU cannot keep up, lower the bitrate first, then the frame rate, then the
 * resolution (the top simulcast layer); a screen share keeps its resolution and gives up frame rate
 * instead. It steps down fast (one step per tick while overloaded, each at least `downHoldMs`
 * apart) and up slowly (one step after `upHoldMs` with no overload), so it recovers when the
 * condition clears without flapping. Pure: the publisher feeds it a sample per tick.
 */
export type QualityLimitation = "none" | "cpu" | "network";

export interface SendQualityTarget {
  /** 0 = full quality; each step down adds one. */
  level: number;
  /** Multiplies every layer's configured bitrate. */
  bitrateScale: number;
  /** Divides the capture frame rate (1 = every frame). */
  framerateDivisor: number;
  /** How many of the top simulcast layers are dropped (0 = all that the capture reaches). */
  layersDropped: number;
  /** Why the level is above 0 (the last overload seen); "none" at full quality. */
  limitation: QualityLimitation;
}

export interface SendQualitySample {
  nowMs: number;
  /** Bytes the transport holds unsent. */
  bufferedBytes: number;
  /** The session's latest ping round trip. */
  rttMs: number | undefined;
  /** Camera frames the encoder skipped as stale since the last sample (it was behind). */
  framesStale: number;
  /** Camera frames encoded since the last sample. */
  framesEncoded: number;
}

export interface SendQualityControllerOptions {
  /** "screen" keeps resolution and lowers frame rate instead. */
  source?: "camera" | "screen";
  /** Queued bytes above this mean the uplink is behind. */
  congestedBufferedBytes?: number;
  /** Round trip this far above the lowest seen means queues are growing on the path. */
  congestedQueueDelayMs?: number;
  /** Share of frames skipped as stale above which the encoder (the CPU) is behind. */
  cpuStaleRatio?: number;
  downHoldMs?: number;
  upHoldMs?: number;
}

interface Step {
  bitrateScale: number;
  framerateDivisor: number;
  layersDropped: number;
}

const CAMERA_STEPS: readonly Step[] = [
  { bitrateScale: 1, framerateDivisor: 1, layersDropped: 0 },
  { bitrateScale: 0.6, framerateDivisor: 1, layersDropped: 0 },
  { bitrateScale: 0.6, framerateDivisor: 2, layersDropped: 0 },
  { bitrateScale: 0.6, framerateDivisor: 2, layersDropped: 1 },
  { bitrateScale: 0.6, framerateDivisor: 3, layersDropped: 2 },
];

const SCREEN_STEPS: readonly Step[] = [
  { bitrateScale: 1, framerateDivisor: 1, layersDropped: 0 },
  { bitrateScale: 0.6, framerateDivisor: 1, layersDropped: 0 },
  { bitrateScale: 0.6, framerateDivisor: 2, layersDropped: 0 },
  { bitrateScale: 0.4, framerateDivisor: 3, layersDropped: 0 },
  { bitrateScale: 0.3, framerateDivisor: 5, layersDropped: 0 },
];

/** The lowest round trip ages out, so a route that got slower for good is not read as congestion. */
const MIN_RTT_WINDOW_MS = 30_000;

export class SendQualityController {
  readonly #steps: readonly Step[];
  readonly #congestedBufferedBytes: number;
  readonly #congestedQueueDelayMs: number;
  readonly #cpuStaleRatio: number;
  readonly #downHoldMs: number;
  readonly #upHoldMs: number;
  #level = 0;
  #limitation: QualityLimitation = "none";
  #lastChangeMs = Number.NEGATIVE_INFINITY;
  #clearSinceMs: number | undefined;
  #minRtt: { rttMs: number; atMs: number } | undefined;
  #downgrades = 0;
  #upgrades = 0;

  constructor(options: SendQualityControllerOptions = {}) {
    this.#steps = options.source === "screen" ? SCREEN_STEPS : CAMERA_STEPS;
    this.#congestedBufferedBytes = options.congestedBufferedBytes ?? 64 * 1024;
    this.#congestedQueueDelayMs = options.congestedQueueDelayMs ?? 200;
    this.#cpuStaleRatio = options.cpuStaleRatio ?? 0.25;
    this.#downHoldMs = options.downHoldMs ?? 1000;
    this.#upHoldMs = options.upHoldMs ?? 2000;
  }

  get downgrades(): number {
    return this.#downgrades;
  }

  get upgrades(): number {
    return this.#upgrades;
  }

  target(): SendQualityTarget {
    const step = this.#steps[this.#level] ?? CAMERA_STEPS[0]!;
    return { level: this.#level, ...step, limitation: this.#level === 0 ? "none" : this.#limitation };
  }

  /** Feeds one sample; returns the new target when it changed, else undefined. */
  update(sample: SendQualitySample): SendQualityTarget | undefined {
    const overload = this.#overload(sample);
    const sinceChangeMs = sample.nowMs - this.#lastChangeMs;
    if (overload !== "none") {
      this.#clearSinceMs = undefined;
      this.#limitation = overload;
      if (this.#level < this.#steps.length - 1 && sinceChangeMs >= this.#downHoldMs) {
        this.#level++;
        this.#downgrades++;
        this.#lastChangeMs = sample.nowMs;
        return this.target();
      }
      return undefined;
    }
    this.#clearSinceMs ??= sample.nowMs;
    const clearMs = sample.nowMs - this.#clearSinceMs;
    if (this.#level > 0 && clearMs >= this.#upHoldMs && sinceChangeMs >= this.#upHoldMs) {
      this.#level--;
      this.#upgrades++;
      this.#lastChangeMs = sample.nowMs;
      return this.target();
    }
    return undefined;
  }

  #overload(sample: SendQualitySample): QualityLimitation {
    if (sample.rttMs !== undefined) {
      const min = this.#minRtt;
      if (!min || sample.rttMs <= min.rttMs || sample.nowMs - min.atMs > MIN_RTT_WINDOW_MS) {
        this.#minRtt = { rttMs: sample.rttMs, atMs: sample.nowMs };
      }
    }
    const queueDelayMs = sample.rttMs !== undefined && this.#minRtt ? sample.rttMs - this.#minRtt.rttMs : 0;
    if (sample.bufferedBytes > this.#congestedBufferedBytes || queueDelayMs > this.#congestedQueueDelayMs) {
      return "network";
    }
    const offered = sample.framesEncoded + sample.framesStale;
    if (offered > 0 && sample.framesStale / offered > this.#cpuStaleRatio) return "cpu";
    return "none";
  }
}
