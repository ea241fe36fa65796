/**
 * The frames one VideoEncoder holds, from `encode()` to its output, with each frame's capture time
 * to stamp the chunk that comes out. Its size is the encoder's real backlog: Chromium's
 * `encodeQueueSize` drops a frame as soon as its media thread takes it, and under CPU contention
 * the backlog builds there (capture to output grew to 500–900 ms with `encodeQueueSize` at 0).
 *
 * An encoder may drop a frame without output (rate control; OpenH264 skips frames): outputs come in
 * encode order, so an output also settles every frame before it, and a frame older than
 * `timeoutMs` counts as dropped, so it cannot hold later frames back.
 */
export class FramesInEncoder {
  /** Capture time (µs, epoch) per frame timestamp, in encode order. */
  readonly #captureTimesUs = new Map<number, number>();
  readonly #timeoutMs: number;

  constructor(timeoutMs = 1000) {
    this.#timeoutMs = timeoutMs;
  }

  /** A frame went into the encoder. */
  add(timestamp: number, captureTimeUs: number): void {
    this.#captureTimesUs.set(timestamp, captureTimeUs);
  }

  /** The encoder gave back the frame of `timestamp`: its capture time (undefined if unknown). */
  take(timestamp: number): number | undefined {
    const captureTimeUs = this.#captureTimesUs.get(timestamp);
    for (const earlier of this.#captureTimesUs.keys()) {
      if (earlier > timestamp) break;
      this.#captureTimesUs.delete(earlier);
    }
    return captureTimeUs;
  }

  /** Frames in the encoder now, forgetting those older than the timeout. */
  count(nowEpochUs: number): number {
    for (const [timestamp, captureTimeUs] of this.#captureTimesUs) {
      if (nowEpochUs - captureTimeUs < this.#timeoutMs * 1000) break;
      this.#captureTimesUs.delete(timestamp);
    }
    return this.#captureTimesUs.size;
  }

  /** The encoder was closed or replaced. */
  clear(): void {
    this.#captureTimesUs.clear();
  }
}
