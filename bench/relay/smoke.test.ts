/**
 * Runs the whole relay benchmark, tiny, so that it cannot rot: both servers must produce figures,
 * forward packets and lose none at this load.
 */
import { check, runBenchmarkTiny } from "../smoke-run.ts";
import type { Ratios, Summary } from "./main.ts";

Deno.test("the relay benchmark measures both servers, forwarding packets without loss", async () => {
  const { results, printed } = await runBenchmarkTiny<{
    summaries: Summary[];
    ratios: Ratios[];
  }>(
    "bench/relay/main.ts",
    [
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
    28_000,
  );
  for (const server of ["videocall", "baseline"] as const) {
    const summary = results.summaries.find((s) => s.server === server && s.participants === 10);
    check(summary !== undefined, `no figures for ${server}`);
    check(summary.forwardedPerSecond > 0, `${server} forwarded nothing`);
    check(summary.lostDeliveries === 0, `${server} lost ${summary.lostDeliveries} deliveries`);
    check(Number.isFinite(summary.latencyP99Ms) && summary.latencyP99Ms > 0, `${server} has no p99 latency`);
    check(summary.serverCpuPercent >= 0, `${server} has no CPU figure`);
  }
  check(results.ratios.length === 1 && Number.isFinite(results.ratios[0]?.throughput), "no ratios");
  check(printed.includes("ours/base"), "no table printed");
});
