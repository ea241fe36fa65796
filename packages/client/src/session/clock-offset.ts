/**
 * This client's clock offset to the relay, NTP-style, from Ping/Pong: a Ping leaves at t0 (our
 * clock), the relay stamps its clock ts when answering, the Pong arrives at t3. Assuming a
 * symmetric path, offset = ts − (t0 + t3) / 2, wrong by at most half the round trip; so the sample
 * with the smallest round trip among the recent ones wins.
 */
export interface ClockOffsetSample {
  /** Server clock − our clock, ms. */
  offsetMs: number;
  /** Round trip of the sample, ms: the offset is within ±roundTripMs/2. */
  roundTripMs: number;
}

/** Recent samples kept: a route change or a clock step is followed within this many pings. */
const WINDOW_SAMPLES = 8;

export class ClockOffsetEstimator {
  #samples: ClockOffsetSample[] = [];

  /** All in µs since the epoch: ping sent and pong received (our clock), server stamp (its clock). */
  addSample(sentUs: number, serverUs: number, receivedUs: number): void {
    const roundTripMs = (receivedUs - sentUs) / 1000;
    if (!(serverUs > 0) || !(roundTripMs >= 0) || roundTripMs > 60_000) return;
    const offsetMs = (serverUs - (sentUs + receivedUs) / 2) / 1000;
    if (!Number.isFinite(offsetMs)) return;
    this.#samples.push({ offsetMs, roundTripMs });
    if (this.#samples.length > WINDOW_SAMPLES) this.#samples.shift();
  }

  /** The best recent estimate (smallest round trip), or undefined before the first stamped Pong. */
  get estimate(): ClockOffsetSample | undefined {
    let best: ClockOffsetSample | undefined;
    for (const sample of this.#samples) if (!best || sample.roundTripMs < best.roundTripMs) best = sample;
    return best;
  }
}
