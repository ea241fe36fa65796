import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { LinkImpairment } from "./link-impairment.ts";
import { type LinkProfile, PERFECT_LINK } from "./link-profile.ts";
import { seededRandom } from "./seeded-random.ts";

const PACKET_BYTES = 1200;

function capped(rateBitsPerSecond: number, queueBytes: number): LinkProfile {
  return { ...PERFECT_LINK, rateBitsPerSecond, queueBytes };
}

Deno.test("a cap holds the delivered rate and the queue bound; overflow drops datagrams", () => {
  const rateBitsPerSecond = 300_000;
  const queueBytes = 12_000;
  const link = new LinkImpairment(seededRandom(1), capped(rateBitsPerSecond, queueBytes));
  // Offer twice the cap for 10 s (one 1200-byte packet every 16 ms = 600 kbit/s).
  const arrivals: number[] = [];
  let maxQueued = 0;
  for (let nowMs = 0; nowMs < 10_000; nowMs += 16) {
    const admission = link.admit(PACKET_BYTES, nowMs, "datagram");
    if (admission.kind === "deliver") arrivals.push(admission.atMs);
    maxQueued = Math.max(maxQueued, link.queuedBytes(nowMs));
  }
  ok(maxQueued <= queueBytes, `queue ${maxQueued} B exceeds ${queueBytes} B`);
  const counters = link.counters(10_000);
  ok(counters.dropped["queue-full"] > 250, `about half dropped, got ${counters.dropped["queue-full"]}`);
  // Delivered rate over the steady part (after the queue filled): the cap within 2 %.
  const steady = arrivals.filter((atMs) => atMs >= 1000 && atMs < 9000);
  const deliveredBitsPerSecond = (steady.length * PACKET_BYTES * 8) / 8;
  ok(
    Math.abs(deliveredBitsPerSecond - rateBitsPerSecond) < 0.02 * rateBitsPerSecond,
    `delivered ${deliveredBitsPerSecond} bit/s under a ${rateBitsPerSecond} bit/s cap`,
  );
  // Queueing delay is bounded by the queue: at most queueBytes at the cap, plus one packet.
  const maxDelayMs = ((queueBytes + PACKET_BYTES) * 8000) / rateBitsPerSecond;
  let lastArrival = 0;
  for (const atMs of arrivals) {
    ok(atMs >= lastArrival, "a cap alone never reorders");
    lastArrival = atMs;
  }
  ok(lastArrival - 10_000 <= maxDelayMs + 16, `last arrival ${lastArrival}`);
});

Deno.test("a stream is never dropped at a full queue: the sender is told to wait instead", () => {
  const link = new LinkImpairment(seededRandom(1), capped(100_000, 5_000));
  let nowMs = 0;
  let delivered = 0;
  for (let i = 0; i < 200; i++) {
    const waitMs = link.waitForRoomMs(PACKET_BYTES, nowMs);
    nowMs += waitMs;
    ok(link.queuedBytes(nowMs) + PACKET_BYTES <= 5_000 + 1e-6, "the wait leaves room");
    const admission = link.admit(PACKET_BYTES, nowMs, "stream");
    strictEqual(admission.kind, "deliver");
    delivered++;
  }
  strictEqual(delivered, 200);
  // 200 × 1200 B at 100 kbit/s take 19.2 s; the sender was held back that long, less the queue.
  ok(nowMs > 18_000, `the sender waited ${nowMs} ms`);
});

Deno.test("a profile change takes effect on the next packet", () => {
  const link = new LinkImpairment(seededRandom(1));
  const first = link.admit(PACKET_BYTES, 1000, "datagram");
  deepStrictEqual(first, { kind: "deliver", atMs: 1000, retransmitted: false });
  link.setProfile({ ...PERFECT_LINK, delayMs: 150 }, 1001);
  const second = link.admit(PACKET_BYTES, 1002, "datagram");
  deepStrictEqual(second, { kind: "deliver", atMs: 1152, retransmitted: false });
  link.setProfile({ ...PERFECT_LINK, lossRate: 1 }, 1003);
  deepStrictEqual(link.admit(PACKET_BYTES, 1004, "datagram"), { kind: "drop", reason: "random-loss" });
  link.setProfile(capped(8_000, 10_000), 1005); // 1 byte per ms
  const capped1 = link.admit(1000, 1006, "datagram");
  deepStrictEqual(capped1, { kind: "deliver", atMs: 2006, retransmitted: false });
  // Lifting the cap forgets its backlog: the next packet goes at once.
  link.setProfile(PERFECT_LINK, 1007);
  deepStrictEqual(link.admit(1000, 1008, "datagram"), { kind: "deliver", atMs: 1008, retransmitted: false });
});

Deno.test("jitter spreads delays uniformly over delay ± jitter, never below zero (reordering on)", () => {
  const link = new LinkImpairment(seededRandom(9), {
    ...PERFECT_LINK,
    delayMs: 50,
    jitterMs: 20,
    reorder: true,
  });
  const delays: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    const admission = link.admit(PACKET_BYTES, 0, "datagram");
    if (admission.kind === "deliver") delays.push(admission.atMs);
  }
  const mean = delays.reduce((sum, d) => sum + d, 0) / delays.length;
  ok(Math.abs(mean - 50) < 1, `mean ${mean}`);
  ok(Math.min(...delays) >= 30 && Math.max(...delays) <= 70, "within 50 ± 20");
  ok(Math.min(...delays) < 31 && Math.max(...delays) > 69, "reaches both ends");
  const clamped = new LinkImpairment(seededRandom(9), {
    ...PERFECT_LINK,
    delayMs: 5,
    jitterMs: 20,
    reorder: true,
  });
  for (let i = 0; i < 1000; i++) {
    const admission = clamped.admit(PACKET_BYTES, 100, "datagram");
    ok(admission.kind === "deliver" && admission.atMs >= 100, "no arrival before sending");
  }
});

Deno.test("a stream segment hit by loss is retransmitted: delivered later, counted, never dropped", () => {
  const link = new LinkImpairment(seededRandom(1), { ...PERFECT_LINK, delayMs: 40, lossRate: 1 });
  const admission = link.admit(PACKET_BYTES, 0, "stream");
  deepStrictEqual(admission, { kind: "deliver", atMs: 40 + 80, retransmitted: true });
  strictEqual(link.counters(0).retransmitted, 1);
});

Deno.test("counters count packets and bytes in, delivered and dropped by reason", () => {
  const link = new LinkImpairment(seededRandom(2), { ...PERFECT_LINK, lossRate: 0.5 });
  let kept = 0;
  for (let i = 0; i < 1000; i++) {
    const admission = link.admit(100, i, "datagram");
    if (admission.kind === "deliver") {
      kept++;
      link.countDelivered(100);
    }
  }
  const counters = link.counters(1000);
  strictEqual(counters.packetsIn, 1000);
  strictEqual(counters.bytesIn, 100_000);
  strictEqual(counters.packetsDelivered, kept);
  strictEqual(counters.bytesDelivered, kept * 100);
  strictEqual(counters.dropped["random-loss"], 1000 - kept);
  strictEqual(counters.dropped["queue-full"], 0);
});

Deno.test("by default jitter keeps datagrams in order; with reorder on, some overtake", () => {
  const countOvertakes = (reorder: boolean) => {
    const link = new LinkImpairment(seededRandom(4), { ...PERFECT_LINK, delayMs: 30, jitterMs: 20, reorder });
    let overtakes = 0;
    let lastAtMs = 0;
    for (let nowMs = 0; nowMs < 10_000; nowMs += 5) {
      const admission = link.admit(PACKET_BYTES, nowMs, "datagram");
      if (admission.kind !== "deliver") continue;
      ok(admission.atMs >= nowMs + 10, "never sooner than delay − jitter");
      if (admission.atMs < lastAtMs) overtakes++;
      lastAtMs = Math.max(lastAtMs, admission.atMs);
    }
    return overtakes;
  };
  strictEqual(countOvertakes(false), 0);
  ok(countOvertakes(true) > 100, "independent delays 5 ms apart with ±20 ms jitter reorder often");
});
