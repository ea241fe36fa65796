/**
 * Runs the whole relay benchmark, tiny, so that it cannot rot: both servers must produce figures,
 * forward packets and lose none at this load.
 */
import { fileURLToPath } from "node:url";
import type { Ratios, Summary } from "./main.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

Deno.test("the relay benchmark measures both servers, forwarding packets without loss", async () => {
  const outputPath = await Deno.makeTempFile({ prefix: "relay-bench-", suffix: ".json" });
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--config",
        "deno.json",
        "-A",
        "bench/relay/main.ts",
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
        "--output",
        outputPath,
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(28_000),
    }).output();
    const text = new TextDecoder();
    check(code === 0, `benchmark exited with ${code}:\n${text.decode(stdout)}\n${text.decode(stderr)}`);
    const results = JSON.parse(await Deno.readTextFile(outputPath)) as {
      summaries: Summary[];
      ratios: Ratios[];
    };
    for (const server of ["videocall", "baseline"] as const) {
      const summary = results.summaries.find((s) => s.server === server && s.participants === 10);
      check(summary !== undefined, `no figures for ${server}`);
      check(summary.forwardedPerSecond > 0, `${server} forwarded nothing`);
      check(summary.lostDeliveries === 0, `${server} lost ${summary.lostDeliveries} deliveries`);
      check(
        Number.isFinite(summary.latencyP99Ms) && summary.latencyP99Ms > 0,
        `${server} has no p99 latency`,
      );
      check(summary.serverCpuPercent >= 0, `${server} has no CPU figure`);
    }
    check(results.ratios.length === 1 && Number.isFinite(results.ratios[0]?.throughput), "no ratios");
    check(text.decode(stdout).includes("ours/base"), "no table printed");
  } finally {
    await Deno.remove(outputPath).catch(() => {});
  }
});
