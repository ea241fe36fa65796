/**
 * CLI benchmark. 1) CPU of `videocall stream --test-pattern` at 720p30 500 kb/s (VP8, or --codec): the deno
 * process and its ffmpeg children, from /proc over a window (goal: < 40 % of one core).
 * 2) Bots capacity: `videocall bots` in one process at rising counts until a step loses a packet.
 * Each run gets its own relay server on loopback. See README.md.
 */
import { parseArgs } from "node:util";
import { cliCommand } from "../../test/cli/cli.ts";
import { startServer } from "../../test/fixtures/server.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    "cpu-window-seconds": { type: "string", default: "15" },
    codec: { type: "string", default: "vp8" },
    "bot-steps": { type: "string", default: "20,50,100,150,200,300,400" },
    "bot-publishers": { type: "string", default: "1" },
    "bot-seconds": { type: "string", default: "5" },
    "skip-cpu": { type: "boolean", default: false },
    "skip-bots": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
  strict: true,
}).values;

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux
const WARM_UP_MS = 3000;

interface ProcessCpu {
  pid: number;
  name: string;
  cpuSeconds: number;
}

/** CPU seconds (user + system) of `rootPid` and all its descendants, from /proc. */
function treeCpu(rootPid: number): ProcessCpu[] {
  const parents = new Map<number, number>();
  const stats = new Map<number, { name: string; cpuSeconds: number }>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      const pid = Number(entry.name);
      parents.set(pid, Number(fields[1]));
      stats.set(pid, {
        name,
        cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND,
      });
    } catch {
      // exited while we looked
    }
  }
  const inTree = (pid: number): boolean => {
    for (let current: number | undefined = pid; current && current > 1; current = parents.get(current)) {
      if (current === rootPid) return true;
    }
    return false;
  };
  return [...stats].filter(([pid]) => inTree(pid)).map(([pid, s]) => ({ pid, ...s }));
}

async function measureStreamCpu(windowSeconds: number, codec: string) {
  const server = await startServer();
  const child = cliCommand([
    ...[
      "stream",
      "--url",
      server.url,
      "--meeting-id",
      "bench",
      "--user-id",
      "bench-camera",
      "--test-pattern",
    ],
    ...["--resolution", "1280x720", "--fps", "30", "--bitrate-kbps", "500", "--codec", codec],
  ]).spawn();
  let stderr = "";
  const pump = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderr += chunk;
  })();
  void child.stdout.cancel();
  try {
    const deadline = performance.now() + 20_000;
    while (!stderr.includes("streaming")) {
      if (performance.now() > deadline) throw new Error(`stream did not start:\n${stderr}`);
      await delay(100);
    }
    await delay(WARM_UP_MS);
    const before = treeCpu(child.pid);
    const startMs = performance.now();
    await delay(windowSeconds * 1000);
    const after = treeCpu(child.pid);
    const elapsedSeconds = (performance.now() - startMs) / 1000;
    const perProcess = after.map((p) => {
      const earlier = before.find((b) => b.pid === p.pid)?.cpuSeconds ?? 0;
      return {
        name: p.name,
        pid: p.pid,
        percentOfOneCore: (100 * (p.cpuSeconds - earlier)) / elapsedSeconds,
      };
    });
    child.kill("SIGINT");
    await child.status;
    await pump;
    const sent = /sent (\d+) video frames/.exec(stderr);
    return {
      windowSeconds: Math.round(elapsedSeconds * 10) / 10,
      totalPercentOfOneCore: round(perProcess.reduce((sum, p) => sum + p.percentOfOneCore, 0)),
      processes: perProcess.map((p) => ({ ...p, percentOfOneCore: round(p.percentOfOneCore) })),
      videoFramesSent: sent ? Number(sent[1]) : undefined,
    };
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // exited
    }
    await server.stop();
  }
}

interface BotStep {
  bots: number;
  lossPercent: number;
  /** Absent when nothing was delivered. */
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  joinP50Ms: number;
  joinMaxMs: number;
  transport: string;
}

async function botCapacity(
  steps: number[],
  publishers: number,
  seconds: number,
): Promise<{ steps: BotStep[]; maxBotsAtZeroLoss: number }> {
  const results: BotStep[] = [];
  let maxBotsAtZeroLoss = 0;
  for (const count of steps) {
    // Every bot connects from 127.0.0.1: lift the per-IP limit (32) above the largest step.
    const server = await startServer({ extraArgs: ["--max-connections-per-ip", "100000"] });
    try {
      const output = await cliCommand([
        ...["bots", "--url", server.url, "--meeting-id", "capacity", "--count", String(count)],
        ...["--publishers", String(publishers), "--seconds", String(seconds), "--json"],
      ]).output();
      const text = new TextDecoder().decode(output.stdout);
      if (output.code !== 0) {
        console.error(`bots ${count}: failed: ${new TextDecoder().decode(output.stderr).trim()}`);
        break;
      }
      const report = JSON.parse(text) as BotStep;
      results.push({
        bots: count,
        lossPercent: report.lossPercent,
        latencyP50Ms: report.latencyP50Ms,
        latencyP99Ms: report.latencyP99Ms,
        joinP50Ms: report.joinP50Ms,
        joinMaxMs: report.joinMaxMs,
        transport: report.transport,
      });
      console.error(
        `bots ${count}: loss ${report.lossPercent}%, latency p50 ${report.latencyP50Ms} ms p99 ${report.latencyP99Ms} ms, join p50 ${report.joinP50Ms} ms max ${report.joinMaxMs} ms`,
      );
      if (report.lossPercent > 0) break;
      maxBotsAtZeroLoss = count;
    } finally {
      await server.stop();
    }
  }
  return { steps: results, maxBotsAtZeroLoss };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const result: Record<string, unknown> = { cores: navigator.hardwareConcurrency, loadAverage: Deno.loadavg() };
if (!args["skip-cpu"]) {
  const codec = String(args.codec);
  const cpu = await measureStreamCpu(Number(args["cpu-window-seconds"]), codec);
  result.streamCpu = cpu;
  console.log(
    `stream --test-pattern 720p30 ${codec} 500 kb/s: ${cpu.totalPercentOfOneCore} % of one core over ${cpu.windowSeconds} s (goal < 40 %)`,
  );
  if (cpu.videoFramesSent !== undefined)
    console.log(`  video frames sent in the whole run: ${cpu.videoFramesSent}`);
  for (const p of cpu.processes) console.log(`  ${p.name} (pid ${p.pid}): ${p.percentOfOneCore} %`);
}
if (!args["skip-bots"]) {
  const steps = String(args["bot-steps"]).split(",").map(Number);
  const bots = await botCapacity(steps, Number(args["bot-publishers"]), Number(args["bot-seconds"]));
  result.bots = bots;
  console.log(
    `bots in one process at 0 loss (${args["bot-publishers"]} publishing, ${args["bot-seconds"]} s per step): ${bots.maxBotsAtZeroLoss}${bots.steps.length === steps.length && bots.steps.every((s) => s.lossPercent === 0) ? " (every step passed: try higher counts)" : ""}`,
  );
}
console.log(
  `load average during the run: ${Deno.loadavg().join(" ")} on ${navigator.hardwareConcurrency} cores`,
);
if (args.json) console.log(JSON.stringify(result));
