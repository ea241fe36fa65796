/**
 * Anti-replay for one stream of SFrame counters (RFC 9605 §7.4, §9.3): remembers the highest
 * counter seen and which of the `size` counters below it were seen, like IPsec/SRTP windows.
 * Check a counter before decrypting, and mark it only after the frame authenticated, so forged
 * frames cannot move the window.
 */

export type ReplayCheck = "fresh" | "replayed" | "too-old";

export const DEFAULT_REPLAY_WINDOW = 256;

export class ReplayWindow {
  readonly size: number;
  /** Highest counter accepted so far; undefined before the first. */
  #highest: bigint | undefined;
  /** Bit i set: counter (highest - i) was accepted. Bit 0 is `highest` itself. */
  #seen = 0n;
  readonly #mask: bigint;

  constructor(size = DEFAULT_REPLAY_WINDOW) {
    if (!Number.isInteger(size) || size < 1 || size > 4096)
      throw new RangeError(`replay window size ${size}`);
    this.size = size;
    this.#mask = (1n << BigInt(size)) - 1n;
  }

  check(counter: bigint): ReplayCheck {
    if (this.#highest === undefined || counter > this.#highest) return "fresh";
    const age = this.#highest - counter;
    if (age >= BigInt(this.size)) return "too-old";
    return (this.#seen >> age) & 1n ? "replayed" : "fresh";
  }

  /** Records an authenticated counter; returns false (and changes nothing) if `check` would not say fresh. */
  accept(counter: bigint): boolean {
    if (this.check(counter) !== "fresh") return false;
    if (this.#highest === undefined) {
      this.#highest = counter;
      this.#seen = 1n;
    } else if (counter > this.#highest) {
      const shift = counter - this.#highest;
      this.#seen = shift >= BigInt(this.size) ? 1n : ((this.#seen << shift) | 1n) & this.#mask;
      this.#highest = counter;
    } else {
      this.#seen |= 1n << (this.#highest - counter);
    }
    return true;
  }
}
