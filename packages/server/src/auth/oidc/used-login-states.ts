/**
 * States of callbacks already handled, until their login cookie would have expired anyway: a callback
 * replayed (the same code and cookie twice, say from a proxy log) is refused before the provider is asked.
 * Bounded: past `maxEntries` the oldest is forgotten (the provider still refuses a code used twice).
 */
export class UsedLoginStates {
  readonly #expiresAtMs = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(maxEntries = 10_000, now: () => number = Date.now) {
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  /** True the first time `state` is seen (it is then remembered until `expiresAtMs`), false after. */
  consume(state: string, expiresAtMs: number): boolean {
    const now = this.#now();
    const known = this.#expiresAtMs.get(state);
    if (known !== undefined && known > now) return false;
    this.#expiresAtMs.delete(state);
    this.#expiresAtMs.set(state, expiresAtMs);
    this.#forgetExpired(now);
    return true;
  }

  get size(): number {
    return this.#expiresAtMs.size;
  }

  #forgetExpired(now: number): void {
    for (const [state, expiresAtMs] of this.#expiresAtMs) {
      if (this.#expiresAtMs.size <= this.#maxEntries && expiresAtMs > now) break;
      this.#expiresAtMs.delete(state);
    }
  }
}
