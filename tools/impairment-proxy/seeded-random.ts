import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/** Uniform numbers in [0, 1) from a seed: the same seed and the same packets give the same run. */
export interface RandomSource {
  next(): number;
}

export function seededRandom(seed: number): RandomSource {
  const generator = xoroshiro128plus(seed | 0);
  return { next: () => uniformFloat64(generator) };
}
