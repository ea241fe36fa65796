/**
 * Runs the whole glass-to-glass benchmark, tiny, so that it cannot rot: every mode must read
 * frames back (latency samples and a frame rate), and our call must use the transport it names.
 */
import { fileURLToPath } from "node:url";
import type { BenchResult } from "./main.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

Deno.test("the glass-to-glass benchmark reads frames back over WebTransport, WebSocket and WebRTC", async () => {
  const outputPath = await Deno.makeTempFile({ prefix: "glass-to-glass-", suffix: ".json" });
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      // 5 s windows: on a loaded 2-core machine our call can drop to ~7 fps, and 20 samples are needed.
      args: [
        "run",
        "--config",
        "deno.json",
        "-A",
        "--unstable-net",
        "bench/glass-to-glass/main.ts",
        "--seconds",
        "5",
        "--warmup-seconds",
        "0.5",
        "--runs",
        "1",
        "--output",
        outputPath,
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(58_000),
    }).output();
    const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    check(code === 0, `the benchmark failed (${code}):\n${output}`);
    const result = JSON.parse(await Deno.readTextFile(outputPath)) as BenchResult;
    for (const mode of ["webtransport", "websocket", "webrtc"] as const) {
      const measurement = result.measurements.find((m) => m.mode === mode);
      check(measurement !== undefined, `no ${mode} measurement:\n${output}`);
      check(measurement.samples > 20, `${mode}: only ${measurement.samples} latency samples:\n${output}`);
      check(measurement.receivedFps > 0, `${mode}: no frame rate:\n${output}`);
      check(measurement.joinMs > 0, `${mode}: no join time:\n${output}`);
      check(measurement.transport === mode, `${mode} ran over ${measurement.transport}`);
    }
    check(result.ratios.length === 2, "no ratios to WebRTC");
  } finally {
    await Deno.remove(outputPath).catch(() => {});
  }
});
