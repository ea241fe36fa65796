/** How long an offset sample is remembered: long enough to hold one undelayed delivery, short enough to follow drift. */
const WINDOW_US = 4_000_000;
/** A mapped time further than this from the caller's own estimate means the media clock jumped. */
const MAX_DISAGREEMENT_US = 500_000;

/**
 * Maps the audio capture clock (AudioData timestamps, µs on a base of the browser's choosing) to
 * wall-clock µs, so an Opus packet is stamped with the instant its first sample was captured, as a
 * video frame is stamped with the instant it reached the encoder.
 *
 * A buffer arrives on the page some time after its last sample was captured, and that time varies
 * (thread scheduling, a busy main thread). The least-delayed arrival of the last few seconds is the
 * closest to the true offset, so that is the one kept: two buckets of minima, the older one dropped
 * each half window. A packet comes out of the encoder when the buffer that completes it went in,
 * so it ends where the newest buffer ends. (The encoder's own output timestamps cannot be used:
 * Chromium's skip the packets DTX leaves out, and fall seconds behind in a quiet room.)
 */
export class AudioCaptureClock {
  #currentMinUs = Number.POSITIVE_INFINITY;
  #previousMinUs = Number.POSITIVE_INFINITY;
  #bucketStartUs = Number.NEGATIVE_INFINITY;
  #jumps = 0;
  #latestEndUs: number | undefined;

  /** A buffer whose samples end at `mediaEndUs` (capture clock) arrived at `arrivedAtUs` (wall clock). */
  observe(mediaEndUs: number, arrivedAtUs: number): void {
    if (arrivedAtUs - this.#bucketStartUs >= WINDOW_US / 2) {
      this.#previousMinUs = this.#currentMinUs;
      this.#currentMinUs = Number.POSITIVE_INFINITY;
      this.#bucketStartUs = arrivedAtUs;
    }
    this.#latestEndUs = mediaEndUs;
    const offsetUs = arrivedAtUs - mediaEndUs;
    if (offsetUs < this.#currentMinUs) this.#currentMinUs = offsetUs;
  }

  /** The wall-clock instant the newest buffer's last sample was captured (`toWallUs` of its end). */
  latestEndWallUs(fallbackUs: number): number {
    return this.#latestEndUs === undefined ? fallbackUs : this.toWallUs(this.#latestEndUs, fallbackUs);
  }

  /**
   * The wall-clock time of capture-clock instant `mediaUs`. `fallbackUs`: the caller's own estimate
   * (for instance, now less the packet's duration), used before any buffer was seen and when the
   * mapping disagrees with it by more than half a second (the capture clock restarted: a new
   * device or a resumed context), which also starts the mapping over.
   */
  toWallUs(mediaUs: number, fallbackUs: number): number {
    const offsetUs = Math.min(this.#currentMinUs, this.#previousMinUs);
    if (!Number.isFinite(offsetUs)) return fallbackUs;
    const wallUs = mediaUs + offsetUs;
    if (Math.abs(wallUs - fallbackUs) <= MAX_DISAGREEMENT_US) return wallUs;
    this.#jumps++;
    this.#currentMinUs = Number.POSITIVE_INFINITY;
    this.#previousMinUs = Number.POSITIVE_INFINITY;
    this.#bucketStartUs = Number.NEGATIVE_INFINITY;
    return fallbackUs;
  }

  /** How often the capture clock was found to have jumped. */
  get jumps(): number {
    return this.#jumps;
  }
}
