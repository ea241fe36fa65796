/**
 * Rate-limits key frame requests for one remote track: after a loss every following delta frame is
 * undecodable too, and asking for a key frame on each of them would flood the publisher.
 */
export class KeyframeRequester {
  readonly minIntervalMs: number;
  #send: () => void;
  #now: () => number;
  #lastSentAtMs = Number.NEGATIVE_INFINITY;
  #sent = 0;

  constructor(send: () => void, options: { minIntervalMs?: number; now?: () => number } = {}) {
    this.#send = send;
    this.minIntervalMs = options.minIntervalMs ?? 500;
    this.#now = options.now ?? (() => performance.now());
  }

  get requestsSent(): number {
    return this.#sent;
  }

  /** Asks for a key frame unless one was asked for less than `minIntervalMs` ago. */
  request(): boolean {
    const nowMs = this.#now();
    if (nowMs - this.#lastSentAtMs < this.minIntervalMs) return false;
    this.#lastSentAtMs = nowMs;
    this.#sent++;
    this.#send();
    return true;
  }
}
