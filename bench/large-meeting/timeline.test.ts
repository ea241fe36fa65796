import { assertEquals } from "../../test/fixtures/assert.ts";
import { summarizeTimeline } from "./timeline.ts";

const STEP_MS = 500;
const startUs = 1_000_000_000;
const timeline = (packets: number[], late: number[]) => ({ startUs, stepMs: STEP_MS, packets, late });
const at = (bucket: number) => startUs + bucket * STEP_MS * 1000;

Deno.test("the latency settles at the first half second after which none has 1 % late, summed over processes", () => {
  // Media from bucket 2; the window is buckets 4..8. Late: heavy at the start, one late packet later.
  const a = timeline([0, 0, 100, 100, 100, 100, 100, 100, 100, 0], [0, 0, 100, 60, 1, 0, 0, 0, 0, 0]);
  const b = timeline([0, 0, 100, 100, 100, 100, 100, 100, 100, 0], [0, 0, 100, 40, 0, 0, 1, 0, 0, 0]);
  const summary = summarizeTimeline([a, b], at(2), { startUs: at(4), endUs: at(9) });
  // Bucket 4 has 1/200 = 0.5 % late, bucket 6 too: settled from bucket 4, 1 s after the media began.
  assertEquals(summary.settleSeconds, 1);
  assertEquals(summary.buckets.length, 7);
  assertEquals(summary.windowLatePercent, (100 * 2) / 1000);
});

Deno.test("a late half second at the window's end means it never settled", () => {
  const a = timeline([0, 100, 100, 100], [0, 0, 0, 5]);
  const summary = summarizeTimeline([a], at(1), { startUs: at(1), endUs: at(4) });
  assertEquals(Number.isNaN(summary.settleSeconds), true);
  assertEquals(summary.windowLatePercent, (100 * 5) / 300);
});

Deno.test("with nothing late the latency settled when the media began", () => {
  const a = timeline([0, 100, 100], [0, 0, 0]);
  assertEquals(summarizeTimeline([a], at(1), { startUs: at(1), endUs: at(3) }).settleSeconds, 0);
});
