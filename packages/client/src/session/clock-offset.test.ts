import { assertEquals } from "../../../../test/fixtures/assert.ts";
import { ClockOffsetEstimator } from "./clock-offset.ts";

Deno.test("the offset is the server stamp against the midpoint of the round trip", () => {
  const estimator = new ClockOffsetEstimator();
  assertEquals(estimator.estimate, undefined);
  // Server 500 ms ahead; 10 ms each way: sent 1000 ms, stamped at 1010 + 500, back at 1020.
  estimator.addSample(1_000_000, 1_510_000, 1_020_000);
  assertEquals(estimator.estimate, { offsetMs: 500, roundTripMs: 20 });
});

Deno.test("the sample with the smallest round trip wins; an asymmetric slow one does not", () => {
  const estimator = new ClockOffsetEstimator();
  estimator.addSample(0, 100_000 + 5_000, 10_000); // rtt 10 ms, offset 100 ms
  estimator.addSample(20_000, 120_000 + 90_000, 220_000); // rtt 200 ms, queued one way: offset 90 ms off
  assertEquals(estimator.estimate?.offsetMs, 100);
});

Deno.test("samples without a server stamp, or with an impossible round trip, are ignored", () => {
  const estimator = new ClockOffsetEstimator();
  estimator.addSample(1_000_000, 0, 1_010_000);
  estimator.addSample(1_000_000, 5_000_000, 900_000);
  estimator.addSample(1_000_000, Number.NaN, 1_010_000);
  assertEquals(estimator.estimate, undefined);
});

Deno.test("old samples leave the window, so a clock step is followed", () => {
  const estimator = new ClockOffsetEstimator();
  estimator.addSample(0, 1_000, 2_000); // offset 0, rtt 2 ms: the best, then forgotten
  for (let i = 1; i <= 8; i++) estimator.addSample(i * 1e6, i * 1e6 + 50_000 + 2_500, i * 1e6 + 5_000);
  assertEquals(estimator.estimate?.offsetMs, 50);
});
