/**
 * Runs the relay benchmark's cross-node comparison, tiny, so that it cannot rot: nats-server and
 * two relay nodes must start, every meeting must span both nodes, and the two-node topology must
 * forward what a single node forwards, without loss, with CPU figures for both relays and NATS.
 */
import { check, runBenchmarkTiny } from "../smoke-run.ts";
import type { CrossNodeRatios, Measurement, Summary } from "./main.ts";

Deno.test("the relay benchmark measures two relay nodes linked by NATS next to one node", async () => {
  const { results, printed } = await runBenchmarkTiny<{
    measurements: Measurement[];
    summaries: Summary[];
    crossNodeRatios: CrossNodeRatios[];
  }>(
    "bench/relay/main.ts",
    [
      "--multinode",
      "--participants",
      "10",
      "--seconds",
      "1",
      "--warmup-seconds",
      "0.5",
      "--drain-seconds",
      "2",
      "--runs",
      "1",
    ],
    38_000,
  );
  const single = results.summaries.find((s) => s.server === "videocall");
  const twoNodes = results.summaries.find((s) => s.server === "videocall-two-nodes");
  check(single !== undefined && twoNodes !== undefined, "no figures for one of the topologies");
  // 10 participants in one meeting: 10 senders × 9 receivers × 80 packets/s.
  check(twoNodes.forwardedPerSecond > 0.9 * 7200, `two nodes forwarded ${twoNodes.forwardedPerSecond} pkt/s`);
  check(twoNodes.lostDeliveries === 0, `two nodes lost ${twoNodes.lostDeliveries} deliveries`);
  check(Number.isFinite(twoNodes.latencyP99Ms) && twoNodes.latencyP99Ms > 0, "two nodes: no p99 latency");
  const measurement = results.measurements.find((m) => m.server === "videocall-two-nodes");
  check(measurement?.relayCpuPercents.length === 2, "no CPU figure per relay node");
  check(
    measurement.relayCpuPercents.every((percent) => percent > 0),
    `a relay node did no work: ${measurement.relayCpuPercents.join(", ")} % CPU`,
  );
  check(twoNodes.natsCpuPercent > 0, "nats-server did no work: did any packet cross nodes?");
  check(twoNodes.totalCpuUsPerPacket > twoNodes.serverCpuUsPerPacket, "NATS CPU not counted");
  const ratios = results.crossNodeRatios[0];
  check(results.crossNodeRatios.length === 1 && ratios !== undefined, "no cross-node ratios");
  for (const [name, value] of Object.entries(ratios)) {
    check(Number.isFinite(value) && value > 0, `cross-node ratio ${name} is ${value}`);
  }
  check(printed.includes("two/single") && printed.includes("ours/base"), "a table is missing");
});
