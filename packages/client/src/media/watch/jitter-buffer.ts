/**
 * Adaptive jitter buffer for fixed-duration frames (20 ms Opus), without any Web Audio: the
 * AudioWorklet drives it with one `pop()` per frame of playout, the tests drive it with a fake clock.
 *
 * - Arrival jitter is the RFC 3550 §6.4.1 estimate: an EWMA (gain 1/16) of how much each packet's
 *   transit time differs from the previous one's. Transit is measured from the packet's capture
 *   time when it has one: with Opus DTX a quiet sender leaves out most packets and the sequence
 *   numbers close the gaps, so a sequence-based transit jumped by up to 400 ms at each packet
 *   of a pause, and the buffer grew to its ceiling in a quiet room.
 * - The target depth follows it: clamp(jitterMultiplier · jitter, minTargetMs..maxTargetMs).
 *   The buffer grows towards the target by waiting on an underrun (concealing without consuming a
 *   sequence number). It shrinks by discarding one frame: at once while it holds three frames more
 *   than the target, and otherwise once it has held at least a frame more than the target at every
 *   slot for a second (the least depth seen before each pop is the slack the arrivals really left,
 *   whatever their pattern, as NetEq's buffer-level filter measures it). Without the second rule
 *   each underrun from a scheduling hiccup added a frame for good, and a clean call sat two or
 *   three frames (40-60 ms) above its target.
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

/**
 * How long the fastest arrival is remembered, to bound the playout timeline. Short, so a path that
 * grows slower moves the timeline within 2 s: remembered for 10 s, a link impaired mid-call kept
 * each talk spurt's first word 150 ms short of the new path's timeline for that long.
 */
const TRANSIT_WINDOW_MS = 2000;
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
/** A buffer this many frames deeper than its target drops one (too much latency for the jitter). */
const DISCARD_MARGIN_FRAMES = 3;
/** Slots over which a buffer must keep a spare frame above its target before it drops one (1 s). */
const SPARE_WINDOW_SLOTS = 50;

export class JitterBuffer<T> {
  readonly frameDurationMs: number;
  readonly minTargetMs: number;
  readonly maxTargetMs: number;
  readonly jitterMultiplier: number;
  readonly maxConcealedFrames: number;
  readonly capacityFrames: number;
  readonly maxSequenceJumpFrames: number;
  readonly maxExtraDelayMs: number;

  #frames = new Map<number, { frame: T; captureTimeMs: number | undefined }>();
  /** Playout time, advanced a frame per pop (ms). */
  #slotClockMs = 0;
  /** Slot clock minus capture time of the last frame played: the stream's playout timeline. */
  #playOffsetMs: number | undefined;
  /** Capture time of the last frame played, to tell a DTX gap in contiguous sequence numbers. */
  #playedCaptureTimeMs: number | undefined;
  /** The fastest arrival (slot clock minus capture time) of the last TRANSIT_WINDOW_MS, in two halves. */
  #fastestTransitMs = Number.POSITIVE_INFINITY;
  #previousFastestTransitMs = Number.POSITIVE_INFINITY;
  #transitBucketStartMs = Number.NEGATIVE_INFINITY;
  #highestSequence = -1;
  /** Next sequence to play; undefined while (re-)buffering. */
  #nextSequence: number | undefined;
  #lastTransitMs: number | undefined;
  #jitterMs = 0;
  #lossRun = 0;
  #concealmentRatio = 0;
  #extraDelayMs = 0;
  #slotsSinceStretch = 0;
  /** The least depth seen before a pop in the current spare window, and the slots it has lasted. */
  #leastDepthMs = Number.POSITIVE_INFINITY;
  #spareWindowSlots = 0;
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

  /**
   * Adds a received frame; `arrivalMs` is any monotonic clock, `captureTimeMs` the sender's
   * capture time of the frame on any clock of its own (what jitter is measured from; without it,
   * the sequence number's nominal time). Returns false if the frame came too late.
   */
  push(sequence: number, arrivalMs: number, frame: T, captureTimeMs?: number): boolean {
    const reference = this.#nextSequence ?? (this.#frames.size > 0 ? this.#highestSequence : undefined);
    if (reference !== undefined && Math.abs(sequence - reference) > this.maxSequenceJumpFrames) {
      this.#restart();
    }
    this.#measureJitter(sequence, arrivalMs, captureTimeMs);
    this.#measureTransit(captureTimeMs);
    if (this.#nextSequence !== undefined && sequence < this.#nextSequence) {
      this.#stats.framesLate++;
      return false;
    }
    if (this.#frames.has(sequence)) return false;
    // With nothing buffered the newest frame is this one, whatever came before.
    if (sequence > this.#highestSequence || this.#frames.size === 0) this.#highestSequence = sequence;
    this.#frames.set(sequence, { frame, captureTimeMs: validCaptureTime(captureTimeMs) });
    while (this.#frames.size > this.capacityFrames) this.#discardOldest();
    return true;
  }

  /** Takes what to play for the next frame slot. */
  pop(): PlayoutSlot<T> {
    this.#slotClockMs += this.frameDurationMs;
    if (this.#nextSequence === undefined) {
      if (this.#frames.size === 0) return { kind: "silence" };
      const first = this.#lowestSequence();
      if (!this.#dueToStart(first)) return { kind: "silence" };
      this.#nextSequence = first;
      this.#startSpareWindow();
    }
    if (this.#waitsOutCaptureGap(this.#nextSequence)) return { kind: "silence" };
    // Too much latency for the current jitter: drop one frame (a 20 ms skip is rarely audible).
    if (this.#hasExcessDepth() && this.#frames.has(this.#nextSequence)) {
      this.#frames.delete(this.#nextSequence);
      this.#nextSequence++;
      this.#stats.framesDiscarded++;
      this.#startSpareWindow();
    }
    // Too little for lip sync's extra delay: play one frame of concealment and keep this one. (The
    // jitter target alone grows on underruns, as ever: stretching for it would delay speech onsets.)
    this.#slotsSinceStretch++;
    if (
      this.#extraDelayMs >= this.frameDurationMs &&
      this.#slotsSinceStretch >= STRETCH_EVERY_SLOTS &&
      this.#shallowerThanTarget(this.#nextSequence)
    ) {
      this.#slotsSinceStretch = 0;
      this.#stats.framesStretched++;
      return { kind: "conceal", lossCount: 1 };
    }
    const sequence = this.#nextSequence;
    const entry = this.#frames.get(sequence);
    if (entry !== undefined) {
      const { frame, captureTimeMs } = entry;
      this.#frames.delete(sequence);
      if (captureTimeMs !== undefined) this.#playOffsetMs = this.#slotClockMs - captureTimeMs;
      this.#playedCaptureTimeMs = captureTimeMs;
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

  /**
   * Whether the buffer holds more than its target needs: three frames more right now, or a frame
   * more at every slot of the last spare window. Called once per pop, before the frame is taken.
   */
  #hasExcessDepth(): boolean {
    const depthMs = this.depthMs;
    const targetMs = this.targetDepthMs;
    if (depthMs >= targetMs + DISCARD_MARGIN_FRAMES * this.frameDurationMs) return true;
    this.#leastDepthMs = Math.min(this.#leastDepthMs, depthMs);
    if (++this.#spareWindowSlots < SPARE_WINDOW_SLOTS) return false;
    const spare = this.#leastDepthMs >= targetMs + this.frameDurationMs;
    this.#startSpareWindow();
    return spare;
  }

  #startSpareWindow(): void {
    this.#leastDepthMs = Number.POSITIVE_INFINITY;
    this.#spareWindowSlots = 0;
  }

  /**
   * Whether playout starts (again) at frame `first`. After a pause (DTX, the first words after a
   * silence) the stream resumes on the timeline it played before, so a talk spurt's first word
   * plays as long after its capture as the last one did and lip sync keeps its offset; on a first
   * start, or without capture times, once the buffer holds its target depth.
   */
  #dueToStart(first: number): boolean {
    const captureTimeMs = this.#frames.get(first)?.captureTimeMs;
    if (this.#playOffsetMs === undefined || captureTimeMs === undefined)
      return this.depthMs >= this.targetDepthMs;
    return this.#dueOnTimeline(captureTimeMs);
  }

  /**
   * Whether the next frame, already here, waits for its time: it was captured well after the one
   * just played (a DTX pause, sequence numbers contiguous across it), and played at once it would
   * sound that much sooner after its capture than the frames around it. The first word after a
   * short pause then came up to 120 ms early under lip sync's extra delay, and lip sync, reading
   * the later frames' offset, held the video for sound already heard.
   */
  #waitsOutCaptureGap(sequence: number): boolean {
    const captureTimeMs = this.#frames.get(sequence)?.captureTimeMs;
    const playedMs = this.#playedCaptureTimeMs;
    if (captureTimeMs === undefined || playedMs === undefined || this.#playOffsetMs === undefined)
      return false;
    if (captureTimeMs - playedMs <= 1.5 * this.frameDurationMs) return false;
    return !this.#dueOnTimeline(captureTimeMs);
  }

  /**
   * Whether the next frame, here, would play sooner after its capture than the target asks by more
   * than a frame: what stretching makes up. Measured on the timeline when frames carry capture
   * times, since the depth also falls at the end of each talk spurt, where stretching only moved
   * every later spurt 20 ms later; otherwise from the depth.
   */
  #shallowerThanTarget(sequence: number): boolean {
    const entry = this.#frames.get(sequence);
    if (entry === undefined) return false;
    if (entry.captureTimeMs === undefined) return this.depthMs < this.targetDepthMs - this.frameDurationMs;
    const offsetMs = this.#slotClockMs - entry.captureTimeMs;
    return offsetMs < this.#soonestOffsetMs() - this.frameDurationMs;
  }

  /** The earliest playout timeline the target allows: the fastest recent arrival plus the target depth. */
  #soonestOffsetMs(): number {
    return Math.min(this.#fastestTransitMs, this.#previousFastestTransitMs) + this.targetDepthMs;
  }

  /**
   * Whether a frame captured at `captureTimeMs` is due on the playout timeline, clamped to no later
   * than the fastest recent arrival plus the target and the discards' margin: a stall (a lost
   * packet holding the stream for its repair) makes the frames after it play late, and a timeline
   * that kept their lateness through every pause would only ever grow, since discards need a deep
   * buffer and a quiet sender never builds one. Also due once the buffer holds well more than its
   * target, whatever the timeline says (the sender's clock jumped).
   */
  #dueOnTimeline(captureTimeMs: number): boolean {
    if (this.depthMs >= this.targetDepthMs + DISCARD_MARGIN_FRAMES * this.frameDurationMs) return true;
    const soonestMs = this.#soonestOffsetMs();
    const offsetMs = Math.min(
      Math.max(this.#playOffsetMs ?? soonestMs, soonestMs),
      soonestMs + DISCARD_MARGIN_FRAMES * this.frameDurationMs,
    );
    return this.#slotClockMs >= captureTimeMs + offsetMs - this.frameDurationMs / 2;
  }

  /** Transit on the slot clock (a frame's resolution: arrivals between two pops share one reading). */
  #measureTransit(captureTimeMs: number | undefined): void {
    const valid = validCaptureTime(captureTimeMs);
    if (valid === undefined) return;
    if (this.#slotClockMs - this.#transitBucketStartMs >= TRANSIT_WINDOW_MS / 2) {
      this.#previousFastestTransitMs = this.#fastestTransitMs;
      this.#fastestTransitMs = Number.POSITIVE_INFINITY;
      this.#transitBucketStartMs = this.#slotClockMs;
    }
    this.#fastestTransitMs = Math.min(this.#fastestTransitMs, this.#slotClockMs - valid);
  }

  #measureJitter(sequence: number, arrivalMs: number, captureTimeMs: number | undefined): void {
    const sentMs = validCaptureTime(captureTimeMs) ?? sequence * this.frameDurationMs;
    const transitMs = arrivalMs - sentMs;
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
    this.#playOffsetMs = undefined;
    this.#playedCaptureTimeMs = undefined;
    this.#fastestTransitMs = Number.POSITIVE_INFINITY;
    this.#previousFastestTransitMs = Number.POSITIVE_INFINITY;
    this.#transitBucketStartMs = Number.NEGATIVE_INFINITY;
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

function validCaptureTime(captureTimeMs: number | undefined): number | undefined {
  return captureTimeMs !== undefined && Number.isFinite(captureTimeMs) && captureTimeMs > 0
    ? captureTimeMs
    : undefined;
}
