/**
 * What one subscriber's link carries, estimated from the relay's own send path (no receiver
 * feedback: the relay never parses media or RTCP-like reports). Sampled a few times a second:
 *
 * - backlog = bytes waiting in the subscriber queue + bytes handed to the transport and not yet
 *   written (WebSocket `bufferedAmount`, WebTransport writes whose promise has not settled: its
 *   backpressure);
 * - queue delay = backlog / the rate actually sent over the last interval;
 * - drops = video the queue refused (full lanes or byte budgets);
 * - the round trip of the relay's Pings (one a second to subscribers of simulcast tracks), or the
 *   age of one still unanswered: what the send path cannot see, the kernel's socket buffer (it
 *   grows to megabytes) and the network's queues, shows here as delay above the lowest round trip.
 *
 * Down fast: a drop, a queue delay over `congestedDelayMs` that is not shrinking, or a round trip
 * more than `congestedRoundTripMs` above the lowest seen, lowers the estimate to 85 % of what was
 * actually sent (never below `minBps`) and holds it for `holdMs`; a congestion soon after the
 * last hold (a failed probe) doubles the hold, up to `maxHoldMs`. Up slowly (probing): while the
 * backlog and the round trip are clear, the estimate grows 4 % per sample (about 17 % a second at
 * 4 samples a second) up to `maxBps`; the layer choice then tries the next layer, and a congested
 * probe comes straight back down.
 */
export interface SendBandwidthEstimateOptions {
  initialBps: number;
  minBps: number;
  maxBps: number;
  congestedDelayMs: number;
  /** Below this queue delay (or backlog) the link is clear and the estimate may grow. */
  clearDelayMs: number;
  clearBacklogBytes: number;
  /** Round trip above the lowest seen that counts as congestion, and below which the link is clear. */
  congestedRoundTripMs: number;
  clearRoundTripMs: number;
  holdMs: number;
  maxHoldMs: number;
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
  congestedRoundTripMs: 300,
  clearRoundTripMs: 100,
  holdMs: 2000,
  maxHoldMs: 32_000,
  growthPerSample: 1.04,
};

/** One reading of the send path. Byte counters are totals since the subscriber joined. */
export interface SendPathSample {
  nowMs: number;
  bytesSent: number;
  packetsDropped: number;
  /** Queued in the relay plus buffered in the transport. */
  backlogBytes: number;
  /** The latest round trip (or an unanswered Ping's age); null when unknown. */
  roundTripMs?: number | null;
}

export class SendBandwidthEstimate {
  readonly #options: SendBandwidthEstimateOptions;
  #estimateBps: number;
  /** The previous sample (the first one only sets it). */
  #lastNowMs = Number.NaN;
  #lastBytesSent = 0;
  #lastPacketsDropped = 0;
  #lastBacklogBytes = 0;
  #holdUntilMs = 0;
  #currentHoldMs: number;
  #minRoundTripMs = Number.POSITIVE_INFINITY;
  #sentBps = 0;
  #queueDelayMs = 0;

  constructor(options: SendBandwidthEstimateOptions = DEFAULT_SEND_BANDWIDTH_ESTIMATE) {
    this.#options = options;
    this.#estimateBps = options.initialBps;
    this.#currentHoldMs = options.holdMs;
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
    const elapsedMs = sample.nowMs - this.#lastNowMs;
    const sentBytes = sample.bytesSent - this.#lastBytesSent;
    const dropped = sample.packetsDropped > this.#lastPacketsDropped;
    const backlogGrew = sample.backlogBytes >= this.#lastBacklogBytes;
    this.#lastNowMs = sample.nowMs;
    this.#lastBytesSent = sample.bytesSent;
    this.#lastPacketsDropped = sample.packetsDropped;
    this.#lastBacklogBytes = sample.backlogBytes;
    if (!(elapsedMs > 0)) return this.#estimateBps; // the first sample (NaN), or a clock that did not move
    const options = this.#options;
    this.#sentBps = (sentBytes * 8000) / elapsedMs;
    // A backlog with nothing sent is an unbounded delay; 1 kbps keeps the division finite.
    this.#queueDelayMs = (sample.backlogBytes * 8000) / Math.max(this.#sentBps, 1000);
    const roundTripMs = sample.roundTripMs ?? null;
    if (roundTripMs !== null && roundTripMs > 0) {
      this.#minRoundTripMs = Math.min(this.#minRoundTripMs, roundTripMs);
    }
    const extraRoundTripMs = roundTripMs === null ? 0 : roundTripMs - this.#minRoundTripMs;
    const congested =
      dropped ||
      extraRoundTripMs > options.congestedRoundTripMs ||
      (this.#queueDelayMs > options.congestedDelayMs &&
        backlogGrew &&
        sample.backlogBytes > options.clearBacklogBytes);
    if (congested) {
      // Congested again soon after a hold ended (while probing): the probe failed, wait longer next
      // time. Congestion during a hold only extends it.
      if (sample.nowMs >= this.#holdUntilMs) {
        const probeFailed =
          this.#holdUntilMs > 0 && sample.nowMs < this.#holdUntilMs + this.#currentHoldMs * 2;
        this.#currentHoldMs = probeFailed
          ? Math.min(options.maxHoldMs, this.#currentHoldMs * 2)
          : options.holdMs;
      }
      // 85 % of what got through, not compounded: a backlog that takes seconds to drain must
      // not walk the estimate down to the floor.
      this.#estimateBps = Math.max(options.minBps, Math.min(this.#estimateBps, this.#sentBps * 0.85));
      this.#holdUntilMs = sample.nowMs + this.#currentHoldMs;
    } else if (
      sample.nowMs >= this.#holdUntilMs &&
      extraRoundTripMs < options.clearRoundTripMs &&
      (this.#queueDelayMs < options.clearDelayMs || sample.backlogBytes < options.clearBacklogBytes)
    ) {
      this.#estimateBps = Math.min(options.maxBps, this.#estimateBps * options.growthPerSample);
    }
    return this.#estimateBps;
  }
}
