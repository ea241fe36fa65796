import { ok } from "node:assert/strict";
import { type LinkProfile, PERFECT_LINK } from "./link-profile.ts";
import { LossModel } from "./loss-model.ts";
import { seededRandom } from "./seeded-random.ts";

const PACKETS = 200_000;

/** Within `sigmas` standard errors of a proportion p over n draws. */
function assertNearRate(observed: number, expected: number, n: number, what: string, sigmas = 5): void {
  const standardError = Math.sqrt((expected * (1 - expected)) / n);
  ok(
    Math.abs(observed - expected) <= sigmas * standardError,
    `${what}: ${observed.toFixed(4)} is not within ${sigmas}σ (${(sigmas * standardError).toFixed(4)}) of ${expected}`,
  );
}

Deno.test("random loss hits its configured rate over many packets (seeded)", () => {
  for (const lossRate of [0.01, 0.05, 0.3]) {
    const model = new LossModel(seededRandom(7));
    const link: LinkProfile = { ...PERFECT_LINK, lossRate };
    let lost = 0;
    for (let i = 0; i < PACKETS; i++) if (model.judge(link) !== "kept") lost++;
    assertNearRate(lost / PACKETS, lossRate, PACKETS, `loss ${lossRate}`);
  }
});

Deno.test("the same seed loses the same packets", () => {
  const link: LinkProfile = { ...PERFECT_LINK, lossRate: 0.1 };
  const run = (seed: number) => {
    const model = new LossModel(seededRandom(seed));
    return Array.from({ length: 1000 }, () => model.judge(link));
  };
  const first = JSON.stringify(run(3));
  const again = JSON.stringify(run(3));
  ok(first === again, "seed 3 twice");
  ok(first !== JSON.stringify(run(4)), "seeds 3 and 4 differ");
});

Deno.test("Gilbert–Elliott loss comes in bursts of mean length 1/p(bad→good) at the stationary rate", () => {
  for (const { goodToBad, badToGood } of [
    { goodToBad: 1 / 36, badToGood: 0.25 },
    { goodToBad: 0.01, badToGood: 0.5 },
  ]) {
    const model = new LossModel(seededRandom(11));
    const link: LinkProfile = {
      ...PERFECT_LINK,
      burstLoss: { goodToBad, badToGood, lossInGood: 0, lossInBad: 1 },
    };
    let lost = 0;
    let bursts = 0;
    let previousLost = false;
    for (let i = 0; i < PACKETS; i++) {
      const isLost = model.judge(link) === "burst-loss";
      if (isLost) lost++;
      if (isLost && !previousLost) bursts++;
      previousLost = isLost;
    }
    const expectedRate = goodToBad / (goodToBad + badToGood);
    // Bursty loss has a larger variance than Bernoulli: allow a relative 10 %.
    ok(
      Math.abs(lost / PACKETS - expectedRate) < 0.1 * expectedRate,
      `rate ${lost / PACKETS} vs ${expectedRate}`,
    );
    const meanBurst = lost / bursts;
    ok(
      Math.abs(meanBurst - 1 / badToGood) < 0.1 / badToGood,
      `mean burst ${meanBurst.toFixed(2)} vs ${1 / badToGood}`,
    );
  }
});

Deno.test("random loss does not come in bursts: its mean run of losses is close to 1/(1-p)", () => {
  const model = new LossModel(seededRandom(5));
  const link: LinkProfile = { ...PERFECT_LINK, lossRate: 0.1 };
  let lost = 0;
  let bursts = 0;
  let previousLost = false;
  for (let i = 0; i < PACKETS; i++) {
    const isLost = model.judge(link) !== "kept";
    if (isLost) lost++;
    if (isLost && !previousLost) bursts++;
    previousLost = isLost;
  }
  const meanBurst = lost / bursts;
  ok(Math.abs(meanBurst - 1 / 0.9) < 0.05, `mean run ${meanBurst}`);
});
