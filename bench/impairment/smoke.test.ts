/**
 * Runs the impairment benchmark, tiny, so that it cannot rot: a clean call and a lossy one on each
 * transport, every figure present, the clean calls without proxy drops, the lossy WebTransport call
 * with some (its datagrams are lost; WebSocket's TCP never is).
 */
import { check, runBenchmarkTiny } from "../smoke-run.ts";
import type { BenchResult } from "./main.ts";

Deno.test("the impairment benchmark measures a clean and a lossy call on both transports", async () => {
  const { results, printed, output } = await runBenchmarkTiny<BenchResult>(
    "bench/impairment/main.ts",
    ["--seconds", "2", "--presets", "clean,lossy-5"],
    180_000,
  );
  check(results.results.length === 4, `4 calls expected:\n${output}`);
  for (const result of results.results) {
    const what = `${result.transport} ${result.preset}`;
    check(result.videoFramesReceived > 0 && result.deliveredFps > 0, `${what}: no video\n${output}`);
    check(result.audioPacketsReceived > 0, `${what}: no audio\n${output}`);
    check(result.videoLatencyP95Ms !== null && result.packetsIn > 0, `${what}: no figures\n${output}`);
    check(result.fpsRatioToClean !== null && result.latencyP95RatioToClean !== null, `${what}: no ratios`);
    if (result.preset === "clean") check(result.packetsDropped === 0, `${what}: drops on a clean link`);
  }
  const lossyWebTransport = results.results.find(
    (r) => r.transport === "webtransport" && r.preset === "lossy-5",
  );
  check((lossyWebTransport?.packetsDropped ?? 0) > 0, `the lossy WebTransport call lost nothing:\n${output}`);
  check(printed.includes("| webtransport | lossy-5 |"), "the table is printed");
});
