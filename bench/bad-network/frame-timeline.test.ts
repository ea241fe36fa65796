import { assert, assertEquals } from "../../test/fixtures/assert.ts";

const assertAlmostEquals = (actual: number, expected: number, tolerance: number) =>
  assert(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

import { freezeRatio, recoveryAfterMs } from "./frame-timeline.ts";

const every = (stepMs: number, fromMs: number, toMs: number) => {
  const times: number[] = [];
  for (let ms = fromMs; ms <= toMs; ms += stepMs) times.push(ms);
  return times;
};

Deno.test("freezeRatio: steady 30 fps is never frozen", () => {
  assertEquals(freezeRatio(every(33, 0, 10_000), 0, 10_000), 0);
});

Deno.test("freezeRatio: a 1 s gap in a 10 s window is 10 % (counted whole)", () => {
  const times = [...every(33, 0, 4000), ...every(33, 5000, 10_000)];
  assertAlmostEquals(freezeRatio(times, 0, 10_000), 0.1, 0.01);
});

Deno.test("freezeRatio: no frame at all is frozen throughout; gaps of 200 ms or less do not count", () => {
  assertEquals(freezeRatio([], 0, 5000), 1);
  assertEquals(freezeRatio(every(200, 0, 5000), 0, 5000), 0);
});

Deno.test("recoveryAfterMs: the first whole window back near clean after the cap lifts", () => {
  // Cap lifts at 5000; frames stay late until 7000, then on time at 30 fps.
  const samples = every(33, 0, 12_000).map((shownMs) => ({
    shownMs,
    latencyMs: shownMs >= 5000 && shownMs < 7000 ? 900 : 60,
  }));
  const recovery = recoveryAfterMs(samples, 5000, { maxLatencyMs: 150, minFps: 24 });
  assert(recovery !== undefined);
  assertAlmostEquals(recovery, 2000, 40);
});

Deno.test("recoveryAfterMs: undefined when the frame rate never comes back", () => {
  const samples = every(200, 0, 12_000).map((shownMs) => ({ shownMs, latencyMs: 60 }));
  assertEquals(recoveryAfterMs(samples, 5000, { maxLatencyMs: 150, minFps: 24 }), undefined);
});
