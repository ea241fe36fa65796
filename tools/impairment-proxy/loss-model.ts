import type { LinkProfile } from "./link-profile.ts";
import type { RandomSource } from "./seeded-random.ts";

export type LossVerdict = "kept" | "random-loss" | "burst-loss";

/**
 * Decides per packet whether the link loses it. Reads its parameters from the profile passed on
 * each call, so a profile change applies to the next packet; the Gilbert–Elliott state carries over.
 */
export class LossModel {
  readonly #random: RandomSource;
  #inBadState = false;

  constructor(random: RandomSource) {
    this.#random = random;
  }

  get inBadState(): boolean {
    return this.#inBadState;
  }

  judge(link: LinkProfile): LossVerdict {
    const burst = link.burstLoss;
    if (burst) {
      // Move first, then lose with the new state's probability (the usual Gilbert–Elliott order).
      const move = this.#random.next();
      this.#inBadState = this.#inBadState ? move >= burst.badToGood : move < burst.goodToBad;
      const lossInState = this.#inBadState ? burst.lossInBad : burst.lossInGood;
      if (lossInState > 0 && this.#random.next() < lossInState) return "burst-loss";
    } else {
      this.#inBadState = false;
    }
    if (link.lossRate > 0 && this.#random.next() < link.lossRate) return "random-loss";
    return "kept";
  }
}
