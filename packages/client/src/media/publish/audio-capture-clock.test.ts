import { assertEquals } from "../../../../../test/fixtures/assert.ts";
import { AudioCaptureClock } from "./audio-capture-clock.ts";

const BUFFER_US = 10_000;
/** The capture clock's base: far from the wall clock, as browsers' are. */
const BASE_US = 1_700_000_000_000_000;

Deno.test("before any buffer, the caller's estimate stands", () => {
  const clock = new AudioCaptureClock();
  assertEquals(clock.toWallUs(5_000, 123_456), 123_456);
});

Deno.test("a packet is stamped by its first sample's capture instant, from the least-delayed buffer, not by when it came out", () => {
  const clock = new AudioCaptureClock();
  // Buffers end every 10 ms and arrive 2 to 14 ms later (scheduling jitter).
  const delaysUs = [9_000, 2_000, 14_000, 6_000, 11_000, 3_000];
  delaysUs.forEach((delayUs, i) => {
    const endUs = (i + 1) * BUFFER_US;
    clock.observe(endUs, BASE_US + endUs + delayUs);
  });
  // A packet starting at media time 20 ms, handed out late (the fallback says 40 ms late):
  // its stamp is its capture instant plus the smallest delay seen.
  assertEquals(clock.toWallUs(20_000, BASE_US + 60_000), BASE_US + 20_000 + 2_000);
});

Deno.test("the mapping follows a drifting capture clock: old minima leave the window", () => {
  const clock = new AudioCaptureClock();
  // The capture clock runs 0.1 % slow against the wall clock: each buffer of 10 ms media takes 10.01 ms.
  let wallUs = BASE_US;
  for (let i = 1; i <= 1_000; i++) {
    wallUs += 10_010;
    clock.observe(i * BUFFER_US, wallUs + 1_000);
  }
  // After 10 s the offset has grown by 10 ms; the mapping is within a window's drift (4 ms) of it.
  const mediaUs = 1_000 * BUFFER_US;
  const stampUs = clock.toWallUs(mediaUs, wallUs);
  const errorUs = Math.abs(stampUs - (wallUs + 1_000));
  assertEquals(errorUs <= 4_100, true, `off by ${errorUs} µs`);
});

Deno.test("a capture clock that restarted is caught: the caller's estimate is used and the mapping starts over", () => {
  const clock = new AudioCaptureClock();
  for (let i = 1; i <= 10; i++) clock.observe(i * BUFFER_US, BASE_US + i * BUFFER_US + 1_000);
  // A new device: media time starts again at 0, 30 s later on the wall clock.
  const laterUs = BASE_US + 30_000_000;
  assertEquals(clock.toWallUs(0, laterUs), laterUs);
  assertEquals(clock.jumps, 1);
  clock.observe(BUFFER_US, laterUs + BUFFER_US + 1_000);
  assertEquals(clock.toWallUs(0, laterUs + 50_000), laterUs + 1_000);
});

Deno.test("the newest buffer's end, in wall-clock time, from the least-delayed arrival", () => {
  const clock = new AudioCaptureClock();
  assertEquals(clock.latestEndWallUs(42), 42, "nothing seen yet: the caller's estimate");
  clock.observe(BUFFER_US, BASE_US + BUFFER_US + 1_000);
  clock.observe(2 * BUFFER_US, BASE_US + 2 * BUFFER_US + 9_000); // came 8 ms later than it could have
  assertEquals(clock.latestEndWallUs(BASE_US + 2 * BUFFER_US + 9_000), BASE_US + 2 * BUFFER_US + 1_000);
});
