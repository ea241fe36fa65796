/**
 * Runs the whole glass-to-glass benchmark, tiny, so that it cannot rot: every mode must read
 * frames back (latency samples and a frame rate), and our call must use the transport it names.
 */
import { check, runBenchmarkTiny } from "../smoke-run.ts";
import type { BenchResult } from "./main.ts";

Deno.test("the glass-to-glass benchmark reads frames back over WebTransport, WebSocket and WebRTC", async () => {
  const { results: result, output } = await runBenchmarkTiny<BenchResult>(
    "bench/glass-to-glass/main.ts",
    ["--seconds", "5", "--warmup-seconds", "0.5", "--runs", "1"],
    58_000,
  );
  for (const mode of ["webtransport", "websocket", "webrtc"] as const) {
    const measurement = result.measurements.find((m) => m.mode === mode);
    check(measurement !== undefined, `no ${mode} measurement:\n${output}`);
    check(measurement.samples > 20, `${mode}: only ${measurement.samples} latency samples:\n${output}`);
    check(measurement.receivedFps > 0, `${mode}: no frame rate:\n${output}`);
    check(measurement.joinMs > 0, `${mode}: no join time:\n${output}`);
    check(measurement.transport === mode, `${mode} ran over ${measurement.transport}`);
  }
  check(result.ratios.length === 2, "no ratios to WebRTC");
});
