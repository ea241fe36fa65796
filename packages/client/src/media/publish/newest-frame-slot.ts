/** Anything that holds a resource until closed: a VideoFrame, or a test's stand-in. */
export interface Closable {
  close(): void;
}

/**
 * Never encode a stale frame: while the encoder is behind (frames in it: frames-in-encoder.ts),
 * the newest camera frame waits here instead, and a newer one replaces it (the older is closed and
 * counted).
 * When the encoder drains, the newest frame goes in. Latency stays at one encode, not a queue of
 * them, and throughput stays what the encoder can do, as WebRTC's frame dropper keeps it.
 */
export class NewestFrameSlot<Frame extends Closable> {
  #held: Frame | undefined;
  #staleFrames = 0;
  readonly #maxQueued: number;

  /** `maxQueued`: how many frames may wait in the encoder's own queue before frames wait here. */
  constructor(maxQueued = 0) {
    this.#maxQueued = maxQueued;
  }

  /** Frames closed unencoded because a newer one came while the encoder was behind. */
  get staleFrames(): number {
    return this.#staleFrames;
  }

  get holding(): boolean {
    return this.#held !== undefined;
  }

  /**
   * A new camera frame, with the encoder's queue depth now (`encodeQueueSize`, the deepest layer's):
   * returns the frame to encode now, or undefined when it is kept for later (or replaced a kept one).
   */
  offer(frame: Frame, encodeQueueSize: number): Frame | undefined {
    if (this.#held) {
      this.#held.close();
      this.#staleFrames++;
      this.#held = undefined;
    }
    if (encodeQueueSize <= this.#maxQueued) return frame;
    this.#held = frame;
    return undefined;
  }

  /** The encoder took a frame off its queue (its `dequeue` event): the kept frame, if it may go in now. */
  drained(encodeQueueSize: number): Frame | undefined {
    if (!this.#held || encodeQueueSize > this.#maxQueued) return undefined;
    const frame = this.#held;
    this.#held = undefined;
    return frame;
  }

  /** Closes the kept frame (the encoder stops or is replaced). */
  clear(): void {
    this.#held?.close();
    this.#held = undefined;
  }
}
