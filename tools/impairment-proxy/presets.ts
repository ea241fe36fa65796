import type { ImpairmentProfile, LinkProfile } from "./link-profile.ts";

/**
 * Named network conditions, for `--profile NAME` and `PUT /profile {"preset": NAME}`. Delays are
 * one way (the round trip adds both directions); `up` is client → relay. Queues without a size hold
 * 250 ms at the cap.
 *
 * | preset          | one-way delay ± jitter | loss per direction                    | cap (down / up)        |
 * |-----------------|------------------------|---------------------------------------|------------------------|
 * | clean           | 0                      | 0                                     | none                   |
 * | wifi            | 4 ± 4 ms               | bursty, ~0.5 % (bursts of 2)          | 50 / 50 Mbit/s         |
 * | 4g              | 30 ± 10 ms             | 0.3 % random                          | 12 / 4 Mbit/s          |
 * | hotel           | 40 ± 25 ms             | bursty, ~2 % (bursts of 4)            | 2 Mbit/s / 768 kbit/s, 500 ms queues |
 * | lossy-5         | 10 ms                  | 5 % random                            | none                   |
 * | loss-3-rtt-150  | 75 ms                  | 3 % random                            | none                   |
 * | bursty-10       | 10 ms                  | bursty, 10 % (bursts of 4 on average) | none                   |
 * | jitter-50       | 50 ± 50 ms             | 0                                     | none                   |
 * | cap-2m          | 0                      | 0                                     | 2 Mbit/s both ways     |
 * | cap-500k        | 0                      | 0                                     | 500 kbit/s both ways   |
 * | cap-300k        | 0                      | 0                                     | 300 kbit/s both ways   |
 *
 * The last five are issue 13's bad-network profiles (a cap that drops from 2 Mbit/s to 300 kbit/s
 * and back is cap-2m, then cap-300k, then cap-2m, set at run time).
 */
export const PRESETS = {
  clean: symmetric({}),
  wifi: symmetric({
    delayMs: 4,
    jitterMs: 4,
    burstLoss: { goodToBad: 0.005, badToGood: 0.5, lossInGood: 0, lossInBad: 0.5 },
    rateBitsPerSecond: 50e6,
  }),
  "4g": {
    up: link({ delayMs: 30, jitterMs: 10, lossRate: 0.003, rateBitsPerSecond: 4e6 }),
    down: link({ delayMs: 30, jitterMs: 10, lossRate: 0.003, rateBitsPerSecond: 12e6 }),
  },
  hotel: {
    up: link({ ...hotelLink(), rateBitsPerSecond: 768e3, queueBytes: (768e3 / 8) * 0.5 }),
    down: link({ ...hotelLink(), rateBitsPerSecond: 2e6, queueBytes: (2e6 / 8) * 0.5 }),
  },
  "lossy-5": symmetric({ delayMs: 10, lossRate: 0.05 }),
  "loss-3-rtt-150": symmetric({ delayMs: 75, lossRate: 0.03 }),
  // Stationary share of the bad state: goodToBad / (goodToBad + badToGood) = (1/36) / (1/36 + 1/4) = 10 %.
  "bursty-10": symmetric({
    delayMs: 10,
    burstLoss: { goodToBad: 1 / 36, badToGood: 0.25, lossInGood: 0, lossInBad: 1 },
  }),
  "jitter-50": symmetric({ delayMs: 50, jitterMs: 50 }),
  "cap-2m": symmetric(capped(2e6)),
  "cap-500k": symmetric(capped(500e3)),
  "cap-300k": symmetric(capped(300e3)),
} satisfies Record<string, ImpairmentProfile>;

export type PresetName = keyof typeof PRESETS;

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

function hotelLink(): Partial<LinkProfile> {
  return {
    delayMs: 40,
    jitterMs: 25,
    burstLoss: { goodToBad: 0.005, badToGood: 0.25, lossInGood: 0, lossInBad: 1 },
  };
}

function capped(rateBitsPerSecond: number): Partial<LinkProfile> {
  return { rateBitsPerSecond, queueBytes: Math.ceil((rateBitsPerSecond / 8) * 0.25) };
}

function link(fields: Partial<LinkProfile>): LinkProfile {
  const rate = fields.rateBitsPerSecond;
  return {
    delayMs: 0,
    jitterMs: 0,
    lossRate: 0,
    queueBytes: rate === undefined ? 0 : Math.ceil((rate / 8) * 0.25),
    ...fields,
  };
}

function symmetric(fields: Partial<LinkProfile>): ImpairmentProfile {
  const both = link(fields);
  return { up: both, down: { ...both } };
}
