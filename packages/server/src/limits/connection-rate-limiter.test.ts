import { assert, assertEquals } from "../../../../test/fixtures/assert.ts";
import { ConnectionRateLimiter, type RateVerdict } from "./connection-rate-limiter.ts";

const LIMITS = { maxPacketsPerSecond: 100, maxBytesPerSecond: 10_000, maxPacketBytes: 50_000 };

/** Sends `perSecond` packets of `bytes` evenly for `seconds`, from `startMs`; returns the verdicts. */
function send(
  limiter: ConnectionRateLimiter,
  trafficClass: "video" | "audio_and_control",
  perSecond: number,
  seconds: number,
  bytes = 10,
  startMs = 0,
): RateVerdict[] {
  const verdicts: RateVerdict[] = [];
  for (let i = 0; i < perSecond * seconds; i++) {
    verdicts.push(limiter.admit(trafficClass, bytes, startMs + (i * 1000) / perSecond));
  }
  return verdicts;
}

Deno.test("a sender within its budget is never refused", () => {
  const limiter = new ConnectionRateLimiter(LIMITS, 0);
  const verdicts = send(limiter, "video", 100, 10);
  assertEquals(verdicts.filter((v) => v !== "pass").length, 0);
});

Deno.test("over its budget a sender's packets are dropped, and its own video never starves its audio", () => {
  const limiter = new ConnectionRateLimiter(LIMITS, 0);
  // 150 video packets a second (1.5x) and 50 audio: below the closing threshold of 2x.
  const verdicts: RateVerdict[] = [];
  const audio: RateVerdict[] = [];
  for (let ms = 0; ms < 5000; ms += 20) {
    for (let k = 0; k < 3; k++) verdicts.push(limiter.admit("video", 10, ms + k));
    audio.push(limiter.admit("audio_and_control", 10, ms));
  }
  const dropped = verdicts.filter((v) => v === "packet_rate").length;
  assert(dropped > 150 && dropped < 250, `dropped ${dropped} of 750 video packets`);
  assertEquals(verdicts.includes("close"), false, "1.5x its budget is throttled, not closed");
  assertEquals(audio.filter((v) => v !== "pass").length, 0, "every audio packet passes");
});

Deno.test("the byte budget's burst holds one maximal packet even above one second of rate", () => {
  const limiter = new ConnectionRateLimiter(LIMITS, 0);
  assertEquals(limiter.admit("video", 50_000, 0), "pass", "a key frame of the largest size");
  assertEquals(limiter.admit("video", 1000, 0), "byte_rate");
  assertEquals(limiter.admit("video", 1000, 200), "pass", "200 ms later, 2000 bytes are back");
});

Deno.test("a sender at 10x its budget is closed in its second second of it", () => {
  const limiter = new ConnectionRateLimiter(LIMITS, 0);
  const verdicts = send(limiter, "video", 1000, 3);
  const closeAt = verdicts.indexOf("close");
  assert(closeAt > 1000 && closeAt < 1200, `closed at packet ${closeAt} (1000 a second)`);
});

Deno.test("bursts at 2x separated by quiet seconds are throttled, not closed", () => {
  const limiter = new ConnectionRateLimiter(LIMITS, 0);
  const verdicts: RateVerdict[] = [];
  for (let second = 0; second < 10; second += 2) {
    verdicts.push(...send(limiter, "video", 250, 1, 10, second * 1000));
  }
  assert(verdicts.includes("packet_rate"));
  assertEquals(verdicts.includes("close"), false);
});
