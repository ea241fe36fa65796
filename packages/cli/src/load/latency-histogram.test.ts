import { ok, strictEqual } from "node:assert/strict";
import { histogramOfMs, histogramOfUs, LatencyHistogram } from "./latency-histogram.ts";

Deno.test("percentiles come from the recorded samples, to 3 significant digits", () => {
  const histogram = new LatencyHistogram();
  for (let i = 1; i <= 1000; i++) histogram.recordUs(i * 100); // 0.1 ms .. 100 ms
  strictEqual(histogram.count, 1000);
  const near = (actual: number | undefined, expected: number) =>
    ok(actual !== undefined && Math.abs(actual - expected) <= expected * 0.001, `${actual} vs ${expected}`);
  near(histogram.percentileUs(0.5), 50_000);
  near(histogram.percentileUs(0.99), 99_000);
  near(histogram.maxUs, 100_000);
  near(histogram.percentileMs(0.5), 50);
});

Deno.test("no samples, no percentile", () => {
  const histogram = new LatencyHistogram();
  strictEqual(histogram.percentileUs(0.5), undefined);
  strictEqual(histogram.maxMs, undefined);
});

Deno.test("out-of-range samples are clamped, not thrown", () => {
  const histogram = histogramOfMs([-5, 0.0001, 1e12]);
  strictEqual(histogram.count, 3);
  strictEqual(histogram.percentileUs(0.1), 0);
  ok((histogram.maxUs as number) >= 3_600_000_000 * 0.999);
});

Deno.test("a finer precision tells sub-µs steps apart", () => {
  const histogram = histogramOfUs([1.234, 2.345, 3.456], { precisionUs: 0.001 });
  const p50 = histogram.percentileUs(0.5) as number;
  ok(Math.abs(p50 - 2.345) < 0.005, `p50 ${p50}`);
  const coarse = histogramOfUs([1.234, 2.345, 3.456]);
  strictEqual(coarse.percentileUs(0.5), 2);
});
