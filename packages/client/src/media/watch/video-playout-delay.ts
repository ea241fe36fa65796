/**
 * The receive side's adaptive video playout delay: how long to hold frames so that a repair
 * (a QUIC or TCP retransmission behind a lost packet) shows as a slightly later picture instead of
 * a freeze followed by a burst. WebRTC's jitter buffer does the same from its jitter estimate.
 *
 * Each frame's transit (arrival on this page's epoch clock minus capture on the sender's) is kept
 * for PLAYOUT_WINDOW_MS. The fastest transit in the window is the path's base delay (the clock offset
 * cancels out: only differences count); a frame's lateness is how much slower than that it came.
 * The delay covers the LATENESS_QUANTILE of lateness, less what a viewer tolerates as a stutter
 * rather than a freeze (TOLERATED_LATENESS_MS), up to what a repair can take (two round trips and
 * a margin) and MAX_PLAYOUT_DELAY_MS. On a clean link that is
 * 0: frames show as they decode, with no added latency. It grows at once when repairs start and
 * shrinks only as they leave the window. A stream's first STARTUP_IGNORED_MS are not counted.
 */

/** How far back lateness is remembered: long enough to span several repairs at a few % loss. */
export const PLAYOUT_WINDOW_MS = 6000;
/** The share of frames the delay is meant to show on time. */
export const LATENESS_QUANTILE = 0.95;
/** A frame this late (beyond the delay) is a stutter, not a freeze (200 ms without a new frame). */
export const TOLERATED_LATENESS_MS = 60;
/** Latency beats smoothness beyond this: a frame is never held longer for the network's sake. */
export const MAX_PLAYOUT_DELAY_MS = 400;
/**
 * Frames of a stream's first moments are not counted: the first key frame, the decoder starting
 * and the backlog of a fresh subscription make them late once, not the network's repairs.
 */
export const STARTUP_IGNORED_MS = 2000;
/**
 * A repair takes about a round trip (loss detection, then the retransmission) on either leg:
 * lateness beyond REPAIR_ROUND_TRIPS × RTT + REPAIR_MARGIN_MS is not the network's (a sender
 * starved of CPU, say), and holding frames for it would only add latency.
 */
export const REPAIR_ROUND_TRIPS = 2;
export const REPAIR_MARGIN_MS = 50;
/** The quantile is recomputed at most this often (a sort of the window). */
const RECOMPUTE_INTERVAL_MS = 250;
/** Frames remembered at most (PLAYOUT_WINDOW_MS at 60 fps and more). */
const CAPACITY = 512;
/** A jump in transit this large is a new clock or a pause (reconnect, camera off): start over. */
const DISCONTINUITY_MS = 2000;

export interface VideoPlayoutDelayOptions {
  /** This client's round trip to the relay (ms), undefined before the first pong: bounds the delay. */
  roundTripMs?: () => number | undefined;
}

export class VideoPlayoutDelay {
  readonly #roundTripMs: () => number | undefined;
  readonly #transitMs = new Float64Array(CAPACITY);
  readonly #arrivedAtMs = new Float64Array(CAPACITY);
  readonly #scratch = new Float64Array(CAPACITY);
  /** Ring: the oldest sample is at #head, #count samples in all. */
  #head = 0;
  #count = 0;
  #baseTransitMs = Number.POSITIVE_INFINITY;
  #delayMs = 0;
  #computedAtMs = Number.NEGATIVE_INFINITY;
  #startedAtMs: number | undefined;

  constructor(options: VideoPlayoutDelayOptions = {}) {
    this.#roundTripMs = options.roundTripMs ?? (() => undefined);
  }

  /** The delay frames are held for now, ms (0: shown as they decode). */
  get delayMs(): number {
    return this.#delayMs;
  }

  /** A frame captured at `captureTimeUs` (sender clock) arrived at `arrivedAtEpochMs` (this page). */
  frameArrived(captureTimeUs: number, arrivedAtEpochMs: number): void {
    const transitMs = arrivedAtEpochMs - captureTimeUs / 1000;
    if (!Number.isFinite(transitMs)) return;
    const newest = this.#count > 0 ? this.#transitMs[(this.#head + this.#count - 1) % CAPACITY] : undefined;
    if (newest !== undefined && Math.abs(transitMs - newest) > DISCONTINUITY_MS) this.reset();
    this.#startedAtMs ??= arrivedAtEpochMs;
    if (arrivedAtEpochMs - this.#startedAtMs < STARTUP_IGNORED_MS) return;
    while (this.#count > 0 && arrivedAtEpochMs - (this.#arrivedAtMs[this.#head] ?? 0) > PLAYOUT_WINDOW_MS) {
      this.#head = (this.#head + 1) % CAPACITY;
      this.#count--;
    }
    if (this.#count === CAPACITY) {
      this.#head = (this.#head + 1) % CAPACITY;
      this.#count--;
    }
    const slot = (this.#head + this.#count) % CAPACITY;
    this.#transitMs[slot] = transitMs;
    this.#arrivedAtMs[slot] = arrivedAtEpochMs;
    this.#count++;
    // Up at once (a faster base, a new repair); otherwise on the recompute interval.
    if (
      transitMs < this.#baseTransitMs ||
      transitMs - this.#baseTransitMs - TOLERATED_LATENESS_MS > this.#delayMs ||
      arrivedAtEpochMs - this.#computedAtMs >= RECOMPUTE_INTERVAL_MS
    ) {
      this.#recompute(arrivedAtEpochMs);
    }
  }

  /** When to show a frame captured at `captureTimeUs` (this page's epoch ms), or undefined: at once. */
  presentAtEpochMs(captureTimeUs: number): number | undefined {
    if (this.#delayMs <= 0) return undefined;
    const presentAt = captureTimeUs / 1000 + this.#baseTransitMs + this.#delayMs;
    return Number.isFinite(presentAt) ? presentAt : undefined;
  }

  /** The stream restarted (a new track, a reconnect): nothing learnt about the old path holds. */
  reset(): void {
    this.#head = 0;
    this.#count = 0;
    this.#baseTransitMs = Number.POSITIVE_INFINITY;
    this.#delayMs = 0;
    this.#computedAtMs = Number.NEGATIVE_INFINITY;
    this.#startedAtMs = undefined;
  }

  #recompute(nowMs: number): void {
    this.#computedAtMs = nowMs;
    const count = this.#count;
    for (let i = 0; i < count; i++) this.#scratch[i] = this.#transitMs[(this.#head + i) % CAPACITY] ?? 0;
    const sorted = this.#scratch.subarray(0, count).sort();
    const base = sorted[0] ?? Number.POSITIVE_INFINITY;
    this.#baseTransitMs = base;
    const quantile = sorted[Math.min(count - 1, Math.floor(LATENESS_QUANTILE * count))] ?? base;
    const delayMs = quantile - base - TOLERATED_LATENESS_MS;
    const roundTripMs = this.#roundTripMs();
    const repairMs =
      roundTripMs !== undefined && Number.isFinite(roundTripMs)
        ? REPAIR_ROUND_TRIPS * roundTripMs + REPAIR_MARGIN_MS
        : MAX_PLAYOUT_DELAY_MS;
    this.#delayMs = Math.min(MAX_PLAYOUT_DELAY_MS, repairMs, Math.max(0, delayMs));
  }
}
