/**
 * A token bucket (RFC 2697's idea): `ratePerSecond` tokens flow in, at most `capacity` wait.
 * A few number operations per call and no allocation, so it can sit on the per-packet path.
 * The caller passes the time, so one clock read serves several buckets and tests need no sleeps.
 */
export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #capacity: number;
  #tokens: number;
  #updatedAtMs: number;

  constructor(ratePerSecond: number, capacity: number, nowMs: number) {
    this.#ratePerMs = ratePerSecond / 1000;
    this.#capacity = capacity;
    this.#tokens = capacity;
    this.#updatedAtMs = nowMs;
  }

  /** Tokens available at `nowMs`. */
  available(nowMs: number): number {
    this.#refill(nowMs);
    return this.#tokens;
  }

  /** Takes `amount` tokens if that many are there; otherwise takes none and returns false. */
  tryTake(amount: number, nowMs: number): boolean {
    this.#refill(nowMs);
    if (this.#tokens < amount) return false;
    this.#tokens -= amount;
    return true;
  }

  /** Takes `amount` without checking: the caller checked `available` for this and a sibling bucket. */
  take(amount: number): void {
    this.#tokens -= amount;
  }

  #refill(nowMs: number): void {
    const elapsedMs = nowMs - this.#updatedAtMs;
    if (elapsedMs <= 0) return; // a clock that stands still or steps back adds nothing
    this.#updatedAtMs = nowMs;
    const tokens = this.#tokens + elapsedMs * this.#ratePerMs;
    this.#tokens = Math.min(tokens, this.#capacity);
  }
}
