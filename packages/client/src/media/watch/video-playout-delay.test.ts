import { assert, assertEquals } from "../../../../../test/fixtures/assert.ts";
import {
  LATENESS_QUANTILE,
  MAX_PLAYOUT_DELAY_MS,
  PLAYOUT_WINDOW_MS,
  REPAIR_MARGIN_MS,
  REPAIR_ROUND_TRIPS,
  STARTUP_IGNORED_MS,
  TOLERATED_LATENESS_MS,
  VideoPlayoutDelay,
} from "./video-playout-delay.ts";

const FRAME_MS = 1000 / 30;

function assertNear(actual: number, expected: number, toleranceMs: number): void {
  assert(Math.abs(actual - expected) <= toleranceMs, `${actual} is not within ${toleranceMs} of ${expected}`);
}
/** The sender's clock runs this far ahead of ours: only differences may count. */
const CLOCK_OFFSET_MS = 123_456;

/** Feeds `seconds` of 30 fps frames; `lateMs(i)` is how much slower than the base path frame i comes. */
function feed(delay: VideoPlayoutDelay, fromFrame: number, frames: number, lateMs: (i: number) => number) {
  for (let i = fromFrame; i < fromFrame + frames; i++) {
    const captureMs = i * FRAME_MS + CLOCK_OFFSET_MS;
    delay.frameArrived(captureMs * 1000, i * FRAME_MS + 40 + lateMs(i));
  }
}

Deno.test("a clean link adds no delay: frames show as they decode", () => {
  const delay = new VideoPlayoutDelay();
  feed(delay, 0, 300, (i) => (i * 7) % 11); // a few ms of wobble
  assertEquals(delay.delayMs, 0);
  assertEquals(delay.presentAtEpochMs(1000 * 1000), undefined);
});

Deno.test("repairs behind losses: the delay covers the late frames less the tolerated stutter", () => {
  const delay = new VideoPlayoutDelay();
  // Every 15th frame waits 250 ms for a retransmission, and the 6 behind it queue up after it.
  const lateMs = (i: number) => Math.max(0, 250 - (i % 15) * FRAME_MS);
  feed(delay, 0, 300, lateMs);
  const lateness = Array.from({ length: 180 }, (_, k) => lateMs(120 + k)).sort((a, b) => a - b);
  const expected = (lateness[Math.floor(LATENESS_QUANTILE * lateness.length)] ?? 0) - TOLERATED_LATENESS_MS;
  assertNear(delay.delayMs, expected, 10);
  // A frame that came by the base path is shown `delay` after it (the base, not the sender's clock).
  const captureMs = 299 * FRAME_MS + CLOCK_OFFSET_MS;
  const presentAt = delay.presentAtEpochMs(captureMs * 1000);
  assert(presentAt !== undefined);
  assertNear(presentAt, 299 * FRAME_MS + 40 + delay.delayMs, 1);
});

Deno.test("the delay grows at once with a repair, and goes once the repairs leave the window", () => {
  const delay = new VideoPlayoutDelay();
  const counted = Math.ceil(STARTUP_IGNORED_MS / FRAME_MS);
  feed(delay, 0, counted + 90, () => 0);
  assertEquals(delay.delayMs, 0);
  // One stall of 300 ms: the frames behind it must not wait for the next recompute to count.
  const stallMs = (i: number) => Math.max(0, 300 - (i - counted - 90) * FRAME_MS);
  feed(delay, counted + 90, 10, stallMs);
  // 10 late frames of 100 counted: the 95th percentile is the 5th latest.
  assertNear(delay.delayMs, stallMs(counted + 94) - TOLERATED_LATENESS_MS, 1);
  const framesInWindow = Math.ceil(PLAYOUT_WINDOW_MS / FRAME_MS) + 30;
  feed(delay, counted + 100, framesInWindow, () => 0);
  assertEquals(delay.delayMs, 0);
});

Deno.test("the delay never exceeds its ceiling, and a jump in transit starts over", () => {
  const delay = new VideoPlayoutDelay();
  feed(delay, 0, 300, (i) => (i % 3 === 0 ? 1500 : 0));
  assertEquals(delay.delayMs, MAX_PLAYOUT_DELAY_MS);
  // The sender's clock jumped by an hour (a new device or a reset): old transits mean nothing.
  for (let i = 300; i < 330; i++) {
    delay.frameArrived((i * FRAME_MS + CLOCK_OFFSET_MS + 3_600_000) * 1000, i * FRAME_MS + 40);
  }
  assertEquals(delay.delayMs, 0);
  delay.frameArrived(Number.NaN, 1);
  delay.reset();
  assertEquals(delay.presentAtEpochMs(0), undefined);
});

Deno.test("a stream's late first moments (key frame, decoder start) are not taken for the network's", () => {
  const delay = new VideoPlayoutDelay();
  const startupFrames = Math.floor(STARTUP_IGNORED_MS / FRAME_MS);
  feed(delay, 0, 300, (i) => (i < startupFrames ? 400 - i * 5 : 0));
  assertEquals(delay.delayMs, 0);
});

Deno.test("lateness a repair cannot explain (over two round trips) is not held for", () => {
  let roundTripMs: number | undefined = 20;
  const delay = new VideoPlayoutDelay({ roundTripMs: () => roundTripMs });
  // A sender starved of CPU: every 10th frame 400 ms late, on a 20 ms round trip.
  feed(delay, 0, 300, (i) => (i % 10 === 0 ? 400 : 0));
  assertNear(delay.delayMs, REPAIR_ROUND_TRIPS * 20 + REPAIR_MARGIN_MS, 0.01);
  // The same lateness on a 150 ms round trip is what repairs take.
  roundTripMs = 150;
  feed(delay, 300, 30, (i) => (i % 10 === 0 ? 400 : 0));
  assertNear(delay.delayMs, 400 - TOLERATED_LATENESS_MS, 0.01);
});
