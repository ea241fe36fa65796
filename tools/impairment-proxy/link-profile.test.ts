import { deepStrictEqual, ok } from "node:assert/strict";
import { parseImpairmentProfile } from "./link-profile.ts";
import { PRESET_NAMES, PRESETS } from "./presets.ts";

Deno.test("every preset is a valid profile", () => {
  for (const name of PRESET_NAMES) {
    const parsed = parseImpairmentProfile(PRESETS[name]);
    ok(parsed.ok, `${name}: ${parsed.ok ? "" : parsed.error}`);
    deepStrictEqual(parsed.profile, PRESETS[name], name);
  }
});

Deno.test("one link's fields apply to both directions; a cap without a queue gets 250 ms of queue", () => {
  const parsed = parseImpairmentProfile({ delayMs: 20, rateBitsPerSecond: 800_000 });
  ok(parsed.ok);
  const expected = { delayMs: 20, jitterMs: 0, lossRate: 0, rateBitsPerSecond: 800_000, queueBytes: 25_000 };
  deepStrictEqual(parsed.profile, { up: expected, down: expected });
});

Deno.test("hostile profiles are refused with a reason, never thrown", () => {
  const cases: Array<[unknown, RegExp]> = [
    [null, /JSON object/],
    [[1, 2], /JSON object/],
    ["4g", /JSON object/],
    [{ delayMs: -1 }, /delayMs/],
    [{ delayMs: "10" }, /delayMs/],
    [{ lossRate: 1.5 }, /lossRate/],
    [{ lossRate: Number.NaN }, /lossRate/],
    [{ rateBitsPerSecond: 0 }, /rateBitsPerSecond/],
    [{ queueBytes: 1e12 }, /queueBytes/],
    [{ burstLoss: { goodToBad: 0.1 } }, /burstLoss needs/],
    [{ burstLoss: { goodToBad: 0.1, badToGood: 0.5, lossInGood: 0, lossInBad: 2 } }, /burstLoss needs/],
    [{ burstLoss: { goodToBad: 0.1, badToGood: 0.5, lossInGood: 0, lossInBad: 1, x: 1 } }, /unknown field x/],
    [{ delay: 10 }, /unknown field delay/],
    [{ up: {}, sideways: {} }, /unknown field sideways/],
    [{ up: { jitterMs: 1e9 } }, /up: jitterMs/],
    [{ down: 5 }, /down is not an object/],
  ];
  for (const [input, reason] of cases) {
    const parsed = parseImpairmentProfile(input);
    ok(!parsed.ok, `${JSON.stringify(input)} was accepted`);
    ok(reason.test(parsed.error), `${JSON.stringify(input)}: "${parsed.error}"`);
  }
});
