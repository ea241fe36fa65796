import { assert, assertEquals } from "../../../../../test/fixtures/assert.ts";
import { SendQualityController, type SendQualitySample } from "./send-quality-controller.ts";

const CLEAR = { bufferedBytes: 0, rttMs: 20, framesStale: 0, framesEncoded: 15 };

function run(
  controller: SendQualityController,
  fromMs: number,
  toMs: number,
  sample: Omit<SendQualitySample, "nowMs">,
): void {
  for (let nowMs = fromMs; nowMs < toMs; nowMs += 500) controller.update({ nowMs, ...sample });
}

Deno.test("a camera steps down bitrate first, then frame rate, then the top layer, under a growing round trip", () => {
  const controller = new SendQualityController();
  run(controller, 0, 2000, CLEAR);
  assertEquals(controller.target().level, 0);
  const steps = [];
  for (let nowMs = 2000; nowMs < 8000; nowMs += 500) {
    const changed = controller.update({ nowMs, ...CLEAR, rttMs: 400 });
    if (changed) steps.push(changed);
  }
  assertEquals(
    steps.map((s) => [s.bitrateScale, s.framerateDivisor, s.layersDropped]),
    [
      [0.6, 1, 0],
      [0.6, 2, 0],
      [0.6, 2, 1],
      [0.6, 3, 2],
    ],
  );
  assert(steps.every((s) => s.limitation === "network"));
  assertEquals(controller.downgrades, 4);
});

Deno.test("steps back up one at a time once the uplink is clear for the hold, and reports no limitation at full quality", () => {
  const controller = new SendQualityController({ upHoldMs: 2500 });
  run(controller, 0, 1000, CLEAR);
  run(controller, 1000, 6000, { ...CLEAR, bufferedBytes: 200_000 });
  assertEquals(controller.target().level, 4);
  const ups: number[] = [];
  for (let nowMs = 6000; nowMs < 20_000; nowMs += 500) {
    if (controller.update({ nowMs, ...CLEAR })) ups.push(nowMs);
  }
  assertEquals(ups.length, 4, "four steps up");
  assert(
    ups.every((at, i) => i === 0 || at - ups[i - 1]! >= 2500),
    "each after the hold",
  );
  assertEquals(controller.target().limitation, "none");
  assertEquals(controller.upgrades, 4);
});

Deno.test("an encoder that skips many stale frames is a CPU limitation; a few are not", () => {
  const controller = new SendQualityController();
  run(controller, 0, 3000, { ...CLEAR, framesStale: 2, framesEncoded: 13 });
  assertEquals(controller.target().level, 0);
  controller.update({ nowMs: 3000, ...CLEAR, framesStale: 8, framesEncoded: 7 });
  assertEquals(controller.target().limitation, "cpu");
  assertEquals(controller.target().level, 1);
});

Deno.test("a screen share keeps its resolution: it lowers frame rate, never drops a layer", () => {
  const controller = new SendQualityController({ source: "screen" });
  run(controller, 0, 10_000, { ...CLEAR, bufferedBytes: 1_000_000 });
  const target = controller.target();
  assertEquals(target.layersDropped, 0);
  assert(target.framerateDivisor >= 3);
  assert(target.bitrateScale < 1);
});

Deno.test("a slower route for good is not congestion forever: the lowest round trip ages out", () => {
  const controller = new SendQualityController();
  run(controller, 0, 1000, CLEAR);
  run(controller, 1000, 40_000, { ...CLEAR, rttMs: 300 });
  run(controller, 40_000, 60_000, { ...CLEAR, rttMs: 300 });
  assertEquals(controller.target().level, 0, "back at full quality on the new, steady round trip");
});
