/**
 * What one subscriber's link carries, estimated from the relay's own send path (no receiver
 * feedback: the relay never parses media or RTCP-like reports). Sampled a few times a second:
 *
 * - backlog = bytes waiting in the subscriber queue + bytes handed to the transport and not yet
 *   written (WebSocket `bufferedAmount`, WebTransport writes whose promise has not settled: its
 *   backpressure);
 * - queue delay = backlog / the rate actually sent over the last interval;
 * - drops = video the queue refused (full lanes or byte budgets).
 *
 * Down fast: a drop, or a queue delay over `congestedDelayMs` that is not shrinking, lowers the
 * estimate to 85 % of what was actually sent (never below `minBps`) and holds it for `holdMs`.
 * Up slowly (probing): while the backlog is small, the estimate grows 4 % per sample (about 17 %
 * a second at 4 samples a second) up to `maxBps`; the layer choice then tries the next layer and
 * a congested probe comes straight back down.
 */
export interface SendBandwidthEstimateOptions {
  initialBps: number;
  minBps: number;
  maxBps: number;
  congestedDelayMs: number;
  /** Below this queue delay (or backlog) the link is clear and the estimate may grow. */
  clearDelayMs: number;
  clearBacklogBytes: number;
  holdMs: number;
  growthPerSample: number;
}

export const DEFAULT_SEND_BANDWIDTH_ESTIMATE: SendBandwidthEstimateOptions = {
  // Enough for one 720p layer plus a few small tiles: the first choice is not starved.
  initialBps: 3_000_000,
  minBps: 100_000,
  maxBps: 50_000_000,
  congestedDelayMs: 200,
  clearDelayMs: 50,
  clearBacklogBytes: 16 * 1024,
  holdMs: 2000,
  growthPerSample: 1.04,
};

/** One reading of the send path. Byte counters are totals since the subscriber joined. */
export interface SendPathSample {
  nowMs: number;
  bytesSent: number;
  packetsDropped: number;
  /** Queued in the relay plus buffered in the transport. */
  backlogBytes: number;
}

export class SendBandwidthEstimate {
  readonly #options: SendBandwidthEstimateOptions;
  #estimateBps: number;
  #last: SendPathSample | undefined;
  #holdUntilMs = 0;
  #sentBps = 0;
  #queueDelayMs = 0;

  constructor(options: SendBandwidthEstimateOptions = DEFAULT_SEND_BANDWIDTH_ESTIMATE) {
    this.#options = options;
    this.#estimateBps = options.initialBps;
  }

  get estimateBps(): number {
    return this.#estimateBps;
  }

  /** The rate actually sent over the last interval. */
  get sentBps(): number {
    return this.#sentBps;
  }

  get queueDelayMs(): number {
    return this.#queueDelayMs;
  }

  /** Takes a reading; returns the new estimate. */
  update(sample: SendPathSample): number {
    const last = this.#last;
    this.#last = { ...sample };
    if (!last) return this.#estimateBps;
    const elapsedMs = sample.nowMs - last.nowMs;
    if (elapsedMs <= 0) return this.#estimateBps;
    const options = this.#options;
    this.#sentBps = ((sample.bytesSent - last.bytesSent) * 8000) / elapsedMs;
    // A backlog with nothing sent is an unbounded delay; 1 kbps keeps the division finite.
    this.#queueDelayMs = (sample.backlogBytes * 8000) / Math.max(this.#sentBps, 1000);
    const dropped = sample.packetsDropped > last.packetsDropped;
    const congested =
      dropped ||
      (this.#queueDelayMs > options.congestedDelayMs &&
        sample.backlogBytes >= last.backlogBytes &&
        sample.backlogBytes > options.clearBacklogBytes);
    if (congested) {
      // 85 % of what got through, not compounded: a backlog that takes seconds to drain must
      // not walk the estimate down to the floor.
      this.#estimateBps = Math.max(options.minBps, Math.min(this.#estimateBps, this.#sentBps * 0.85));
      this.#holdUntilMs = sample.nowMs + options.holdMs;
    } else if (
      sample.nowMs >= this.#holdUntilMs &&
      (this.#queueDelayMs < options.clearDelayMs || sample.backlogBytes < options.clearBacklogBytes)
    ) {
      this.#estimateBps = Math.min(options.maxBps, this.#estimateBps * options.growthPerSample);
    }
    return this.#estimateBps;
  }
}
