import { REACTION_BURST, REACTIONS_PER_SECOND } from "@videocall/protocol";

/**
 * One participant's reaction allowance: a token bucket (a burst, refilled at a steady rate). Each
 * connection's packet budget already bounds its bytes; this bounds what it makes everyone's screen do.
 */
export class ReactionBudget {
  readonly #burst: number;
  readonly #perSecond: number;
  #tokens: number;
  #lastMs: number;

  constructor(nowMs: number, burst = REACTION_BURST, perSecond = REACTIONS_PER_SECOND) {
    this.#burst = burst;
    this.#perSecond = perSecond;
    this.#tokens = burst;
    this.#lastMs = nowMs;
  }

  /** Takes one reaction from the budget; false when it is spent. */
  take(nowMs: number): boolean {
    const elapsedMs = Math.max(0, nowMs - this.#lastMs);
    this.#lastMs = nowMs;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsedMs / 1000) * this.#perSecond);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
