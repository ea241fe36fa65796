/**
 * Adaptive jitter buffer for fixed-duration frames (20 ms Opus), without any Web Audio: the
 * AudioWorklet drives it with one `pop()` per frame of playout, the tests drive it with a fake clock.
 *
 * - Arrival jitter is the RFC 3550 §6.4.1 estimate: an EWMA (gain 1/16) of how much each packet's
 *   transit time differs from the previous one's.
 * - The target depth follows it: clamp(jitterMultiplier · jitter, minTargetMs..maxTargetMs).
 *   The buffer grows towards the target by waiting on an underrun (concealing without consuming a
 *   sequence number) and shrinks by discarding one frame when it holds two frames more than needed.
 * - Frequent loss (a frame concealed while later ones are here) deepens the target a little (one frame from 2 % of slots concealed, two
 *   from 10 %): packets that come late rather than lost then still play, and a burst costs fewer
 *   audible gaps. The ratio is an EWMA over about 32 slots, so the extra depth goes when loss does.
 * - Lip sync may deepen the target (setExtraDelayMs) when the participant's video is held longer
 *   than its audio would play: the buffer grows by stretching (a frame of concealment played
 *   without consuming, at most every fifth slot), and shrinks back by the usual discards.
 * - A missing frame with later frames already here is a loss: it is concealed and skipped, and if it
 *   arrives afterwards it is dropped as late.
 * - A sequence number far from the current ones (`maxSequenceJumpFrames`, either way) is a new
 *   stream: a republished track that restarted at 0, or a peer sending nonsense. The buffer starts
 *   over from it rather than measuring depth across the jump, which would keep it discarding
 *   frames (or dropping every later one as late) for good.
 */
export interface JitterBufferOptions {
  frameDurationMs?: number;
  minTargetMs?: number;
  maxTargetMs?: number;
  /** Target depth per ms of measured jitter. */
  jitterMultiplier?: number;
  /** Consecutive concealed frames before the stream is treated as stopped (silence, re-buffer). */
  maxConcealedFrames?: number;
  /** Frames kept at most; older frames are dropped when a burst overflows it. */
  capacityFrames?: number;
  /** A sequence number this many frames from the current ones, either way, restarts the buffer. */
  maxSequenceJumpFrames?: number;
  /** The most delay lip sync may add on top of the jitter target (setExtraDelayMs). */
  maxExtraDelayMs?: number;
}

export type PlayoutSlot<T> =
  | { kind: "frame"; sequence: number; frame: T }
  /** A frame is missing: play a concealment of the last frame (`lossCount` = 1, 2, … in a row). */
  | { kind: "conceal"; lossCount: number }
  /** Nothing to play: waiting for the buffer to fill, or the stream stopped. */
  | { kind: "silence" };

export interface JitterBufferStats {
  depthMs: number;
  targetDepthMs: number;
  /** Share of recent playout slots concealed for a loss (EWMA, 0..1): it deepens the target. */
  concealmentRatio: number;
  jitterMs: number;
  framesPlayed: number;
  framesConcealed: number;
  framesLate: number;
  framesDiscarded: number;
  /** Frames of concealment played to deepen the buffer towards a higher target (not losses). */
  framesStretched: number;
  /** Delay added for lip sync, on top of the jitter target (included in targetDepthMs). */
  extraDelayMs: number;
}

/** A jump in transit time this large is a pause (mute, reconnect), not network jitter. */
const DISCONTINUITY_MS = 1000;
/** EWMA gain of the concealment ratio, per playout slot. */
const CONCEALMENT_GAIN = 1 / 32;
/** Concealment ratios from which the target grows by one and by two frames. */
const CONCEALMENT_ONE_FRAME = 0.02;
const CONCEALMENT_TWO_FRAMES = 0.1;
/**
 * A buffer shallower than its target by more than a frame deepens by playing one frame of
 * concealment without consuming, at most once per this many slots (20 ms inserted per 100 ms).
 */
const STRETCH_EVERY_SLOTS = 5;

export class JitterBuffer<T> {
  readonly frameDurationMs: number;
  readonly minTargetMs: number;
  readonly maxTargetMs: number;
  readonly jitterMultiplier: number;
  readonly maxConcealedFrames: number;
  readonly capacityFrames: number;
  readonly maxSequenceJumpFrames: number;
  readonly maxExtraDelayMs: number;

  #frames = new Map<number, T>();
  #highestSequence = -1;
  /** Next sequence to play; undefined while (re-)buffering. */
  #nextSequence: number | undefined;
  #lastTransitMs: number | undefined;
  #jitterMs = 0;
  #lossRun = 0;
  #concealmentRatio = 0;
  #extraDelayMs = 0;
  #slotsSinceStretch = 0;
  #stats = { framesPlayed: 0, framesConcealed: 0, framesLate: 0, framesDiscarded: 0, framesStretched: 0 };

  constructor(options: JitterBufferOptions = {}) {
    this.frameDurationMs = options.frameDurationMs ?? 20;
    this.minTargetMs = options.minTargetMs ?? 20;
    this.maxTargetMs = options.maxTargetMs ?? 200;
    this.jitterMultiplier = options.jitterMultiplier ?? 3;
    this.maxConcealedFrames = options.maxConcealedFrames ?? 5;
    this.maxExtraDelayMs = options.maxExtraDelayMs ?? 400;
    this.capacityFrames =
      options.capacityFrames ??
      Math.ceil((2 * this.maxTargetMs + this.maxExtraDelayMs) / this.frameDurationMs);
    // Well beyond any reordering or burst the buffer can hold, and under a second's worth of loss.
    this.maxSequenceJumpFrames = options.maxSequenceJumpFrames ?? Math.max(2 * this.capacityFrames, 50);
  }

  get jitterMs(): number {
    return this.#jitterMs;
  }

  get targetDepthMs(): number {
    const target = this.jitterMultiplier * this.#jitterMs + this.lossMarginMs;
    return Math.min(this.maxTargetMs, Math.max(this.minTargetMs, target)) + this.#extraDelayMs;
  }

  /**
   * Lip sync: this participant's video is held longer than its audio would play (the video's
   * playout delay rides out repairs), so the audio waits as much longer: the target deepens by
   * `ms` (0..maxExtraDelayMs), reached by stretching, left by the usual discards.
   */
  setExtraDelayMs(ms: number): void {
    this.#extraDelayMs = Number.isFinite(ms) ? Math.min(this.maxExtraDelayMs, Math.max(0, ms)) : 0;
  }

  /** Extra target depth while concealment is frequent. */
  get lossMarginMs(): number {
    if (this.#concealmentRatio >= CONCEALMENT_TWO_FRAMES) return 2 * this.frameDurationMs;
    if (this.#concealmentRatio >= CONCEALMENT_ONE_FRAME) return this.frameDurationMs;
    return 0;
  }

  /** Audio waiting to be played, in ms: from the next frame to play to the newest one received. */
  get depthMs(): number {
    if (this.#frames.size === 0) return 0;
    const first = this.#nextSequence ?? this.#lowestSequence();
    return Math.max(0, this.#highestSequence - first + 1) * this.frameDurationMs;
  }

  get isBuffering(): boolean {
    return this.#nextSequence === undefined;
  }

  stats(): JitterBufferStats {
    return {
      depthMs: this.depthMs,
      targetDepthMs: this.targetDepthMs,
      concealmentRatio: this.#concealmentRatio,
      jitterMs: this.#jitterMs,
      extraDelayMs: this.#extraDelayMs,
      ...this.#stats,
    };
  }

  /** Adds a received frame; `arrivalMs` is any monotonic clock. Returns false if it came too late. */
  push(sequence: number, arrivalMs: number, frame: T): boolean {
    const reference = this.#nextSequence ?? (this.#frames.size > 0 ? this.#highestSequence : undefined);
    if (reference !== undefined && Math.abs(sequence - reference) > this.maxSequenceJumpFrames) {
      this.#restart();
    }
    this.#measureJitter(sequence, arrivalMs);
    if (this.#nextSequence !== undefined && sequence < this.#nextSequence) {
      this.#stats.framesLate++;
      return false;
    }
    if (this.#frames.has(sequence)) return false;
    // With nothing buffered the newest frame is this one, whatever came before.
    if (sequence > this.#highestSequence || this.#frames.size === 0) this.#highestSequence = sequence;
    this.#frames.set(sequence, frame);
    while (this.#frames.size > this.capacityFrames) this.#discardOldest();
    return true;
  }

  /** Takes what to play for the next frame slot. */
  pop(): PlayoutSlot<T> {
    if (this.#nextSequence === undefined) {
      if (this.#frames.size === 0 || this.depthMs < this.targetDepthMs) return { kind: "silence" };
      this.#nextSequence = this.#lowestSequence();
    }
    // Too much latency for the current jitter: drop one frame (a 20 ms skip is rarely audible).
    if (
      this.depthMs >= this.targetDepthMs + 3 * this.frameDurationMs &&
      this.#frames.has(this.#nextSequence)
    ) {
      this.#frames.delete(this.#nextSequence);
      this.#nextSequence++;
      this.#stats.framesDiscarded++;
    }
    // Too little for lip sync's extra delay: play one frame of concealment and keep this one. (The
    // jitter target alone grows on underruns, as ever: stretching for it would delay speech onsets.)
    this.#slotsSinceStretch++;
    if (
      this.#extraDelayMs >= this.frameDurationMs &&
      this.depthMs < this.targetDepthMs - this.frameDurationMs &&
      this.#slotsSinceStretch >= STRETCH_EVERY_SLOTS &&
      this.#frames.has(this.#nextSequence)
    ) {
      this.#slotsSinceStretch = 0;
      this.#stats.framesStretched++;
      return { kind: "conceal", lossCount: 1 };
    }
    const sequence = this.#nextSequence;
    const frame = this.#frames.get(sequence);
    if (frame !== undefined) {
      this.#frames.delete(sequence);
      this.#nextSequence = sequence + 1;
      this.#lossRun = 0;
      this.#concealmentRatio -= this.#concealmentRatio * CONCEALMENT_GAIN;
      this.#stats.framesPlayed++;
      return { kind: "frame", sequence, frame };
    }
    this.#lossRun++;
    if (this.#lossRun > this.maxConcealedFrames) {
      // The stream stopped (muted, or a long outage): play silence and re-buffer on the next frame.
      this.#nextSequence = undefined;
      this.#lossRun = 0;
      return { kind: "silence" };
    }
    // A later frame is here, so this one is lost (or late): skip it. Otherwise it is an underrun:
    // wait for it, which adds one frame of depth.
    if (this.#frames.size > 0) {
      this.#nextSequence = sequence + 1;
      // Only a loss counts: underruns are the jitter estimate's business, and the stream's end is no loss.
      this.#concealmentRatio += (1 - this.#concealmentRatio) * CONCEALMENT_GAIN;
    }
    this.#stats.framesConcealed++;
    return { kind: "conceal", lossCount: this.#lossRun };
  }

  #measureJitter(sequence: number, arrivalMs: number): void {
    const transitMs = arrivalMs - sequence * this.frameDurationMs;
    const last = this.#lastTransitMs;
    this.#lastTransitMs = transitMs;
    if (last === undefined) return;
    const deltaMs = Math.abs(transitMs - last);
    if (deltaMs > DISCONTINUITY_MS) return;
    this.#jitterMs += (deltaMs - this.#jitterMs) / 16;
  }

  /** Forgets the stream: buffered frames are discarded and the next frame starts buffering afresh. */
  #restart(): void {
    this.#stats.framesDiscarded += this.#frames.size;
    this.#frames.clear();
    this.#highestSequence = -1;
    this.#nextSequence = undefined;
    this.#lastTransitMs = undefined;
    this.#lossRun = 0;
  }

  #lowestSequence(): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const sequence of this.#frames.keys()) if (sequence < lowest) lowest = sequence;
    return lowest;
  }

  #discardOldest(): void {
    const oldest = this.#lowestSequence();
    this.#frames.delete(oldest);
    this.#stats.framesDiscarded++;
    if (this.#nextSequence !== undefined && this.#nextSequence <= oldest) this.#nextSequence = oldest + 1;
  }
}
