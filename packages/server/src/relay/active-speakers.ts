/**
 * Active speaker detection for one meeting room, from the level each audio frame carries in its
 * routing header (Media.audio_level, 0 silent .. 127 full scale). It decides three things:
 *
 * - **Top-3 audio**: whether a frame is forwarded at all. At most `maxForwardedSpeakers` speakers hold
 *   a forwarding slot; a speaker takes a free slot with its first voiced frame (nothing of the word's
 *   start is lost), keeps it until `hangMs` after its last voiced frame (word endings and short pauses
 *   pass), and takes an occupied slot only from a quieter speaker, by `replaceMarginLevel`.
 *   Silent publishers (level below `voiceLevel`) hold no slot, so in a silent meeting nothing passes.
 * - **The active speakers**: the slot holders still within their hang time, loudest first, by a
 *   level smoothed exponentially over `smoothingMs`.
 * - **The dominant speaker**, with hysteresis: a challenger must stay louder than the dominant one
 *   (whose level counts as 0 once it is quiet) for `dominantHoldMs` before it takes over, so a
 *   cough or a short interjection does not flip it (as Jitsi's DominantSpeakerIdentification).
 *
 * `admitAudio` runs per audio frame: a Map lookup and arithmetic, no allocation once a speaker
 * is known. `tick` runs on the room's timer and tells the room when the set or the dominant changed.
 */

export interface ActiveSpeakerOptions {
  /** Time constant of the smoothed level. */
  smoothingMs: number;
  /** A frame at or above this level is voice (92 = -35 dBov, LiveKit's default active level). */
  voiceLevel: number;
  /** How long a speaker keeps its forwarding slot after its last voiced frame. */
  hangMs: number;
  /** How long a challenger must be louder than the dominant speaker to take over. */
  dominantHoldMs: number;
  maxForwardedSpeakers: number;
  /** How much louder (smoothed) a speaker must be to take a slot from the quietest holder. */
  replaceMarginLevel: number;
}

export const DEFAULT_ACTIVE_SPEAKER_OPTIONS: ActiveSpeakerOptions = {
  smoothingMs: 300,
  voiceLevel: 92,
  hangMs: 600,
  dominantHoldMs: 1000,
  maxForwardedSpeakers: 3,
  replaceMarginLevel: 6,
};

export interface SpeakerLevelSnapshot {
  sessionId: number;
  /** Smoothed, on Media.audio_level's scale. */
  level: number;
}

/** What ActiveSpeakers (body 20) carries. */
export interface ActiveSpeakersSnapshot {
  /** Loudest first, at most `maxForwardedSpeakers`. */
  speakers: SpeakerLevelSnapshot[];
  /** 0: nobody has spoken yet. */
  dominantSessionId: number;
}

class Speaker {
  readonly sessionId: number;
  smoothedLevel = 0;
  /** When the smoothed level was last updated; undefined before the first frame. */
  lastFrameMs: number | undefined = undefined;
  /** Negative infinity: never voiced (the hang-time arithmetic needs no special case). */
  lastVoiceMs = Number.NEGATIVE_INFINITY;
  /** Last tick at which it was an active speaker: the recency last-N video orders by. */
  lastActiveMs = Number.NEGATIVE_INFINITY;
  holdsSlot = false;

  constructor(sessionId: number) {
    this.sessionId = sessionId;
  }
}

export class ActiveSpeakerTracker {
  readonly #options: ActiveSpeakerOptions;
  readonly #speakers = new Map<number, Speaker>();
  /** Slot holders; at most maxForwardedSpeakers long. */
  readonly #slots: Speaker[] = [];
  #dominant: Speaker | undefined = undefined;
  #challenger: Speaker | undefined = undefined;
  #challengerSinceMs = 0;
  /** The active set and dominant last reported by `tick`, to tell a change. */
  #reportedIds: number[] = [];
  #reportedDominantId = 0;
  #recencyChanged = false;

  constructor(options: Partial<ActiveSpeakerOptions> = {}) {
    this.#options = { ...DEFAULT_ACTIVE_SPEAKER_OPTIONS, ...options };
  }

  /** Feeds one audio frame's level; true when the frame is to be forwarded (top-3 audio). */
  admitAudio(sessionId: number, reportedLevel: number, nowMs: number): boolean {
    // A varint from the client: anything above full scale is full scale.
    const level = Math.min(reportedLevel, 127);
    let speaker = this.#speakers.get(sessionId);
    if (speaker === undefined) {
      speaker = new Speaker(sessionId);
      this.#speakers.set(sessionId, speaker);
    }
    const options = this.#options;
    const sinceLastMs = speaker.lastFrameMs === undefined ? options.smoothingMs : nowMs - speaker.lastFrameMs;
    const weight = 1 - Math.exp(-Math.max(0, sinceLastMs) / options.smoothingMs);
    speaker.smoothedLevel += weight * (level - speaker.smoothedLevel);
    speaker.lastFrameMs = nowMs;
    if (level >= options.voiceLevel) speaker.lastVoiceMs = nowMs;
    const speaking = nowMs - speaker.lastVoiceMs <= options.hangMs;
    if (speaker.holdsSlot) {
      if (speaking) return true;
      this.#releaseSlot(speaker);
      return false;
    }
    return speaking && this.#takeSlot(speaker, nowMs);
  }

  /** Forgets a participant who left. */
  remove(sessionId: number): void {
    const speaker = this.#speakers.get(sessionId);
    if (speaker === undefined) return;
    this.#speakers.delete(sessionId);
    if (speaker.holdsSlot) this.#releaseSlot(speaker);
    if (this.#dominant === speaker) this.#dominant = undefined;
    if (this.#challenger === speaker) this.#challenger = undefined;
  }

  /** When `sessionId` was last an active speaker (negative infinity: never): last-N's order. */
  lastActiveMsOf(sessionId: number): number {
    return this.#speakers.get(sessionId)?.lastActiveMs ?? Number.NEGATIVE_INFINITY;
  }

  get dominantSessionId(): number {
    return this.#dominant?.sessionId ?? 0;
  }

  /** Whether `tick` has anything to do: someone speaks, a challenge is pending, or a change is unreported. */
  get needsTicks(): boolean {
    return (
      this.#slots.length > 0 ||
      this.#challenger !== undefined ||
      this.#reportedIds.length > 0 ||
      this.#reportedDominantId !== this.dominantSessionId
    );
  }

  /**
   * Expires quiet slot holders, updates the dominant speaker, and returns the active speakers when
   * the set or the dominant changed since the last report (undefined when nothing did). Also notes
   * whether the recency order last-N follows changed (`takeRecencyChanged`).
   */
  tick(nowMs: number): ActiveSpeakersSnapshot | undefined {
    const options = this.#options;
    for (let i = this.#slots.length - 1; i >= 0; i--) {
      const speaker = this.#slots[i] as Speaker;
      if (nowMs - speaker.lastVoiceMs > options.hangMs) this.#releaseSlot(speaker);
    }
    const active = [...this.#slots].sort((a, b) => b.smoothedLevel - a.smoothedLevel);
    for (const speaker of active) {
      // Someone who was not among the recent active speakers now is: last-N's order changes.
      if (nowMs - speaker.lastActiveMs > options.hangMs) this.#recencyChanged = true;
      speaker.lastActiveMs = nowMs;
    }
    this.#updateDominant(active[0], nowMs);
    const ids = active.map((speaker) => speaker.sessionId);
    const dominantId = this.dominantSessionId;
    if (dominantId === this.#reportedDominantId && sameMembers(ids, this.#reportedIds)) return undefined;
    this.#reportedIds = ids;
    this.#reportedDominantId = dominantId;
    return {
      speakers: active.map((speaker) => ({
        sessionId: speaker.sessionId,
        level: Math.round(speaker.smoothedLevel),
      })),
      dominantSessionId: dominantId,
    };
  }

  /** Whether the recency order changed since the last call (a speaker newly became active). */
  takeRecencyChanged(): boolean {
    const changed = this.#recencyChanged;
    this.#recencyChanged = false;
    return changed;
  }

  /** The active speakers and the dominant one now, as the last report gave them (for a newcomer). */
  current(): ActiveSpeakersSnapshot {
    return {
      speakers: this.#reportedIds.map((sessionId) => ({
        sessionId,
        level: Math.round(this.#speakers.get(sessionId)?.smoothedLevel ?? 0),
      })),
      dominantSessionId: this.#reportedDominantId,
    };
  }

  #updateDominant(loudest: Speaker | undefined, nowMs: number): void {
    if (loudest === undefined || loudest === this.#dominant) {
      this.#challenger = undefined;
      return;
    }
    if (this.#dominant === undefined) {
      this.#dominant = loudest;
      this.#challenger = undefined;
      return;
    }
    const dominantLevel = this.#dominant.holdsSlot ? this.#dominant.smoothedLevel : 0;
    if (loudest.smoothedLevel <= dominantLevel) {
      this.#challenger = undefined;
      return;
    }
    if (this.#challenger !== loudest) {
      this.#challenger = loudest;
      this.#challengerSinceMs = nowMs;
      return;
    }
    if (nowMs - this.#challengerSinceMs >= this.#options.dominantHoldMs) {
      this.#dominant = loudest;
      this.#challenger = undefined;
    }
  }

  #takeSlot(speaker: Speaker, nowMs: number): boolean {
    const options = this.#options;
    if (this.#slots.length < options.maxForwardedSpeakers) {
      this.#occupy(speaker);
      return true;
    }
    let quietest: Speaker | undefined;
    for (const holder of this.#slots) {
      if (nowMs - holder.lastVoiceMs > options.hangMs) {
        // Its hang time is over, though none of its frames came to say so.
        this.#releaseSlot(holder);
        this.#occupy(speaker);
        return true;
      }
      if (quietest === undefined || holder.smoothedLevel < quietest.smoothedLevel) quietest = holder;
    }
    if (quietest === undefined || speaker.smoothedLevel < quietest.smoothedLevel + options.replaceMarginLevel)
      return false;
    this.#releaseSlot(quietest);
    this.#occupy(speaker);
    return true;
  }

  #occupy(speaker: Speaker): void {
    speaker.holdsSlot = true;
    this.#slots.push(speaker);
  }

  #releaseSlot(speaker: Speaker): void {
    speaker.holdsSlot = false;
    const index = this.#slots.indexOf(speaker);
    if (index >= 0) this.#slots.splice(index, 1);
  }
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}
