import assert from "node:assert/strict";
import { DEFAULT_SEND_BANDWIDTH_ESTIMATE, SendBandwidthEstimate } from "./send-bandwidth-estimate.ts";

/** Feeds a link that carries `linkBps` while the relay offers `offeredBps`, for `seconds`. */
function runLink(
  estimate: SendBandwidthEstimate,
  start: { nowMs: number; sent: number; backlog: number },
  offeredBps: (estimateBps: number) => number,
  linkBps: number,
  seconds: number,
) {
  const stepMs = 250;
  for (let t = 0; t < (seconds * 1000) / stepMs; t++) {
    const offeredBytes = (offeredBps(estimate.estimateBps) / 8) * (stepMs / 1000);
    const capacityBytes = (linkBps / 8) * (stepMs / 1000);
    const sendable = start.backlog + offeredBytes;
    const sentBytes = Math.min(sendable, capacityBytes);
    start.backlog = sendable - sentBytes;
    start.sent += sentBytes;
    start.nowMs += stepMs;
    estimate.update({
      nowMs: start.nowMs,
      bytesSent: start.sent,
      packetsDropped: 0,
      backlogBytes: start.backlog,
    });
  }
}

Deno.test("congestion brings the estimate down fast to what the link carries", () => {
  const estimate = new SendBandwidthEstimate();
  assert.equal(estimate.estimateBps, DEFAULT_SEND_BANDWIDTH_ESTIMATE.initialBps);
  const link = { nowMs: 0, sent: 0, backlog: 0 };
  estimate.update({ nowMs: 0, bytesSent: 0, packetsDropped: 0, backlogBytes: 0 });
  // The relay sends 1.5 Mbps into a 300 kbps link.
  runLink(estimate, link, () => 1_500_000, 300_000, 1.5);
  assert.ok(estimate.estimateBps <= 300_000, `down to the link within 1.5 s: ${estimate.estimateBps}`);
  assert.ok(estimate.estimateBps >= DEFAULT_SEND_BANDWIDTH_ESTIMATE.minBps);
});

Deno.test("drops count as congestion; a clear link grows the estimate slowly after the hold", () => {
  const estimate = new SendBandwidthEstimate();
  estimate.update({ nowMs: 0, bytesSent: 0, packetsDropped: 0, backlogBytes: 0 });
  estimate.update({ nowMs: 250, bytesSent: 25_000, packetsDropped: 3, backlogBytes: 0 });
  const afterDrop = estimate.estimateBps;
  assert.ok(Math.abs(afterDrop - 800_000 * 0.85) < 1, `85 % of the 800 kbps sent: ${afterDrop}`);
  const link = { nowMs: 250, sent: 25_000, backlog: 0 };
  runLink(estimate, link, () => 200_000, 10_000_000, 1.5);
  assert.equal(estimate.estimateBps, afterDrop, "held for 2 s after a decrease");
  runLink(estimate, link, () => 200_000, 10_000_000, 2);
  assert.ok(estimate.estimateBps > afterDrop, "grows once the hold is over");
  assert.ok(estimate.estimateBps < afterDrop * 1.5, `slowly: ${estimate.estimateBps}`);
});

Deno.test("a round trip above the lowest one is congestion the send path cannot see (kernel buffers); a failed probe waits longer", () => {
  const estimate = new SendBandwidthEstimate();
  let nowMs = 0;
  let sent = 0;
  const sample = (roundTripMs: number, sentBps: number) => {
    nowMs += 250;
    sent += (sentBps / 8) * 0.25;
    return estimate.update({ nowMs, bytesSent: sent, packetsDropped: 0, backlogBytes: 0, roundTripMs });
  };
  sample(5, 1_500_000);
  sample(5, 1_500_000);
  assert.ok(estimate.estimateBps > DEFAULT_SEND_BANDWIDTH_ESTIMATE.initialBps, "a clear link grows");
  sample(900, 1_500_000);
  assert.ok(
    Math.abs(estimate.estimateBps - 1_500_000 * 0.85) < 1,
    `down to 85 % of the rate sent: ${estimate.estimateBps}`,
  );
  const afterFirst = estimate.estimateBps;
  for (let i = 0; i < 8; i++) sample(5, 150_000); // 2 s hold
  const probingFrom = nowMs;
  while (estimate.estimateBps <= afterFirst && nowMs - probingFrom < 5000) sample(5, 150_000);
  assert.ok(estimate.estimateBps > afterFirst, "probing after the 2 s hold");
  sample(900, 150_000); // the probe failed
  const low = estimate.estimateBps;
  for (let i = 0; i < 12; i++) sample(5, 150_000); // 3 s: longer than the first hold
  assert.equal(estimate.estimateBps, low, "the hold doubled after a failed probe");
});
