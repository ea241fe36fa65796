/**
 * Picks the one track of a kind that a peer's tile plays. A peer may send media on any track id
 * (ours send one camera and one microphone), and interleaving two streams into one decoder or
 * jitter buffer would break both, so the watcher follows one track and ignores the others. Another
 * track takes over when it starts at a point the decoder can start from (`canStart`: a video key
 * frame) or once the followed track has been silent for `takeOverAfterMs` (a new publisher whose
 * first frames were lost, or an audio track, which has no key frames).
 */
export class TrackSelector {
  readonly takeOverAfterMs: number;
  #trackId: number | undefined;
  #lastFrameAtMs = Number.NEGATIVE_INFINITY;

  constructor(options: { takeOverAfterMs?: number } = {}) {
    this.takeOverAfterMs = options.takeOverAfterMs ?? 1000;
  }

  /** The followed track, once any media has arrived. */
  get trackId(): number | undefined {
    return this.#trackId;
  }

  /**
   * Says what to do with a frame of `trackId`: "same" (the followed track), "switched" (it is the
   * followed track from now on: start its stream afresh) or "ignore".
   */
  offer(trackId: number, canStart: boolean, nowMs: number): "same" | "switched" | "ignore" {
    if (trackId === this.#trackId) {
      this.#lastFrameAtMs = nowMs;
      return "same";
    }
    const followedIsSilent = !(nowMs - this.#lastFrameAtMs < this.takeOverAfterMs);
    if (this.#trackId !== undefined && !canStart && !followedIsSilent) return "ignore";
    this.#trackId = trackId;
    this.#lastFrameAtMs = nowMs;
    return "switched";
  }

  /** Forgets the followed track (the publisher stopped it). */
  reset(): void {
    this.#trackId = undefined;
    this.#lastFrameAtMs = Number.NEGATIVE_INFINITY;
  }
}
