import { assert, assertEquals } from "../../../../../test/fixtures/assert.ts";
import {
  AV_SYNC_STALE_MS,
  AvSyncClock,
  holdMs,
  MAX_HOLD_MS,
  VIDEO_DISPLAY_DELAY_MS,
} from "./av-sync-clock.ts";

Deno.test("video is drawn so that it is seen when the audio of its capture time is heard", () => {
  const clock = new AvSyncClock();
  // Audio captured at 1 000 000 µs is heard 150 ms after capture (epoch 1150 ms).
  clock.audioPlayed(1_000_000, 1150, 0);
  assertEquals(clock.current(10), 150);
  assertEquals(clock.presentAtEpochMs(1_040_000, 10), 1190 - VIDEO_DISPLAY_DELAY_MS);
});

Deno.test("without audio, or with stale audio, video shows at once", () => {
  const clock = new AvSyncClock();
  assertEquals(clock.presentAtEpochMs(1_000_000, 0), undefined);
  clock.audioPlayed(1_000_000, 1100, 0);
  assertEquals(clock.presentAtEpochMs(1_000_000, AV_SYNC_STALE_MS + 1), undefined);
  clock.audioPlayed(1_000_000, 1100, 5000);
  clock.audioStopped();
  assertEquals(clock.presentAtEpochMs(1_000_000, 5000), undefined);
});

Deno.test("small offset wobble is smoothed, a jitter-buffer step is taken at once", () => {
  const clock = new AvSyncClock();
  clock.audioPlayed(0, 100, 0);
  clock.audioPlayed(0, 108, 250);
  assertEquals(clock.current(250), 102);
  clock.audioPlayed(0, 122, 500); // a frame waited for: 20 ms later
  assertEquals(clock.current(500), 122);
});

Deno.test("a frame is held until due, never longer than the cap, and a late one not at all", () => {
  assertEquals(holdMs(undefined, 1000), 0);
  assertEquals(holdMs(1040, 1000), 40);
  assertEquals(holdMs(990, 1000), 0);
  assertEquals(holdMs(1_000_000, 1000), MAX_HOLD_MS);
  assertEquals(holdMs(Number.NaN, 1000), 0);
});

Deno.test("video held for the network makes the audio wait as long, and only while it is held", () => {
  const clock = new AvSyncClock();
  // Audio is heard 100 ms after capture; video is shown 400 ms after (a playout delay for repairs).
  let nowMs = 0;
  for (let report = 0; report < 40; report++, nowMs += 250) {
    clock.videoDelayed(400, nowMs);
    // The buffer follows the extra delay it was given (the worklet's stretching, here at once).
    clock.audioPlayed(0, 100 + clock.audioExtraDelayMs, nowMs);
  }
  const extra = clock.audioExtraDelayMs;
  assert(Math.abs(extra - 300) <= 20, `extra audio delay ${extra} ms, want 300 ± 20`);
  // The video no longer waits: the extra delay goes.
  for (let report = 0; report < 40; report++, nowMs += 250)
    clock.audioPlayed(0, 100 + clock.audioExtraDelayMs, nowMs);
  assertEquals(clock.audioExtraDelayMs, 0);
  // Audio already later than video: nothing to add.
  for (let report = 0; report < 10; report++, nowMs += 250) {
    clock.videoDelayed(50, nowMs);
    clock.audioPlayed(0, 100, nowMs);
  }
  assertEquals(clock.audioExtraDelayMs, 0);
});

Deno.test("the diagnostics show lip sync's view of each path, and NaN once it is stale", () => {
  const clock = new AvSyncClock();
  assert(Number.isNaN(clock.audioPathMs(0)) && Number.isNaN(clock.videoPlanMs(0)));
  clock.audioPlayed(1_000_000, 1150, 0);
  clock.videoDelayed(240, 0);
  assertEquals(clock.audioPathMs(10), 150);
  assertEquals(clock.videoPlanMs(10), 240 + VIDEO_DISPLAY_DELAY_MS);
  assert(Number.isNaN(clock.audioPathMs(AV_SYNC_STALE_MS + 1)));
  assert(Number.isNaN(clock.videoPlanMs(AV_SYNC_STALE_MS + 1)));
});
