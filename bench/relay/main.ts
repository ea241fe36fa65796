/**
 * Relay benchmark: our relay against a plain broadcast relay, same load, same run.
 *
 *   deno run --config deno.json -A bench/relay/main.ts [--participants 50,100,150] [--seconds 10]
 *     [--warmup-seconds 2] [--runs 2] [--room-size 10] [--drain-seconds 3] [--output file.json]
 *
 * For each participant count and run, each server in turn (alternating which goes first):
 * start it, start the load generator (another process), let it warm up, sample the server's
 * CPU over the measuring window, collect the generator's counts and latencies, stop both.
 * See README.md for how to read the table.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BenchChild, clockTicksPerSecond, processCpuSeconds, stopAllChildren } from "./child-process.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SERVER_START_TIMEOUT_MS = 20_000;
const CONNECT_TIMEOUT_MS = 40_000;

const USAGE = `Usage: deno run --config deno.json -A bench/relay/main.ts [options]
  --participants <list>   comma-separated participant counts (default 50,100,150)
  --seconds <s>           measuring window per measurement (default 10)
  --warmup-seconds <s>    load before the window (default 2)
  --runs <n>              measurements per count and server, alternating order; medians reported (default 2)
  --room-size <n>         participants per meeting (default 10)
  --drain-seconds <s>     wait for in-flight packets after the window (default 3)
  --output <file>         JSON results (default bench/results/relay-<timestamp>.json)`;

export type ServerName = "videocall" | "baseline";
const SERVERS: readonly ServerName[] = ["videocall", "baseline"];

/** What the load generator reports (see load-clients.ts). */
interface LoadResult {
  participants: number;
  rooms: number;
  windowSeconds: number;
  expectedDeliveries: number;
  receivedDeliveries: number;
  lostDeliveries: number;
  latencyUs: { p50: number | null; p99: number | null; p999: number | null; max: number | null };
  maxTickLagMs: number;
}

/** One measurement: one server, one participant count, one run. */
export interface Measurement {
  server: ServerName;
  participants: number;
  run: number;
  windowSeconds: number;
  forwardedPerSecond: number;
  serverCpuPercent: number;
  /** Server CPU time per forwarded packet, in µs. */
  serverCpuUsPerPacket: number;
  /** The load generator's own CPU: near 100 % means it, not the server, may be the bottleneck. */
  loadCpuPercent: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  expectedDeliveries: number;
  lostDeliveries: number;
  maxTickLagMs: number;
}

/** Medians over runs, per server and participant count. */
export interface Summary {
  server: ServerName;
  participants: number;
  runs: number;
  forwardedPerSecond: number;
  serverCpuPercent: number;
  serverCpuUsPerPacket: number;
  loadCpuPercent: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  lostDeliveries: number;
}

/** Ours divided by baseline, per participant count. */
export interface Ratios {
  participants: number;
  throughput: number;
  cpuPerPacket: number;
  latencyP50: number;
  latencyP99: number;
}

function serverArgs(server: ServerName): string[] {
  return server === "videocall"
    ? [
        "run",
        "--config",
        "deno.json",
        "--unstable-net",
        "-A",
        "packages/server/src/main.ts",
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        // The load clients send no pings: media only, like the baseline.
        "--heartbeat-timeout-ms",
        "600000",
      ]
    : ["run", "-A", "bench/relay/baseline-relay.ts", "--port", "0", "--host", "127.0.0.1"];
}

interface Options {
  participantCounts: number[];
  windowSeconds: number;
  warmupSeconds: number;
  runs: number;
  roomSize: number;
  drainSeconds: number;
  outputPath: string;
}

async function measure(
  server: ServerName,
  participants: number,
  run: number,
  options: Options,
  ticksPerSecond: number,
): Promise<Measurement> {
  const relay = new BenchChild(server, serverArgs(server), {
    cwd: ROOT,
    exitWithParent: server === "baseline",
  });
  let load: BenchChild | undefined;
  try {
    const listening = await relay.waitFor("listening", SERVER_START_TIMEOUT_MS);
    load = new BenchChild(
      "load-clients",
      [
        "run",
        "--config",
        "deno.json",
        "-A",
        "bench/relay/load-clients.ts",
        "--url",
        String(listening.url),
        "--participants",
        String(participants),
        "--room-size",
        String(options.roomSize),
        "--warmup-seconds",
        String(options.warmupSeconds),
        "--seconds",
        String(options.windowSeconds),
        "--drain-seconds",
        String(options.drainSeconds),
      ],
      { cwd: ROOT, exitWithParent: true },
    );
    await load.waitFor("connected", CONNECT_TIMEOUT_MS);
    await load.waitFor("measuring", (options.warmupSeconds + 5) * 1000);
    const serverCpuStart = processCpuSeconds(relay.pid, ticksPerSecond);
    const loadCpuStart = processCpuSeconds(load.pid, ticksPerSecond);
    const startMs = performance.now();
    await load.waitFor("measured", (options.windowSeconds + 5) * 1000);
    const elapsedSeconds = (performance.now() - startMs) / 1000;
    const serverCpuSeconds = processCpuSeconds(relay.pid, ticksPerSecond) - serverCpuStart;
    const loadCpuSeconds = processCpuSeconds(load.pid, ticksPerSecond) - loadCpuStart;
    const result = (await load.waitFor(
      "result",
      (options.drainSeconds + 10) * 1000,
    )) as unknown as LoadResult;
    const received = result.receivedDeliveries;
    return {
      server,
      participants,
      run,
      windowSeconds: result.windowSeconds,
      forwardedPerSecond: received / result.windowSeconds,
      serverCpuPercent: (100 * serverCpuSeconds) / elapsedSeconds,
      // The CPU window and the capture-time window coincide to a few ms; scale to the latter.
      serverCpuUsPerPacket:
        received === 0
          ? Number.NaN
          : ((serverCpuSeconds / elapsedSeconds) * result.windowSeconds * 1e6) / received,
      loadCpuPercent: (100 * loadCpuSeconds) / elapsedSeconds,
      latencyP50Ms: (result.latencyUs.p50 ?? Number.NaN) / 1000,
      latencyP99Ms: (result.latencyUs.p99 ?? Number.NaN) / 1000,
      expectedDeliveries: result.expectedDeliveries,
      lostDeliveries: result.lostDeliveries,
      maxTickLagMs: result.maxTickLagMs,
    };
  } finally {
    await load?.stop();
    await relay.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function summarize(measurements: Measurement[], server: ServerName, participants: number): Summary {
  const mine = measurements.filter((m) => m.server === server && m.participants === participants);
  const of = (pick: (m: Measurement) => number) => median(mine.map(pick));
  return {
    server,
    participants,
    runs: mine.length,
    forwardedPerSecond: of((m) => m.forwardedPerSecond),
    serverCpuPercent: of((m) => m.serverCpuPercent),
    serverCpuUsPerPacket: of((m) => m.serverCpuUsPerPacket),
    loadCpuPercent: of((m) => m.loadCpuPercent),
    latencyP50Ms: of((m) => m.latencyP50Ms),
    latencyP99Ms: of((m) => m.latencyP99Ms),
    lostDeliveries: of((m) => m.lostDeliveries),
  };
}

function ratiosOf(ours: Summary, baseline: Summary): Ratios {
  return {
    participants: ours.participants,
    throughput: ours.forwardedPerSecond / baseline.forwardedPerSecond,
    cpuPerPacket: ours.serverCpuUsPerPacket / baseline.serverCpuUsPerPacket,
    latencyP50: ours.latencyP50Ms / baseline.latencyP50Ms,
    latencyP99: ours.latencyP99Ms / baseline.latencyP99Ms,
  };
}

function formatTable(summaries: Summary[], ratios: Ratios, options: Options): string {
  const first = summaries[0] as Summary;
  const header = ["server", "fwd pkt/s", "server CPU", "CPU µs/pkt", "p50 ms", "p99 ms", "lost", "load CPU"];
  const rows = summaries.map((s) => [
    s.server,
    Math.round(s.forwardedPerSecond).toLocaleString("en-US"),
    `${s.serverCpuPercent.toFixed(1)} %`,
    s.serverCpuUsPerPacket.toFixed(2),
    s.latencyP50Ms.toFixed(2),
    s.latencyP99Ms.toFixed(2),
    String(s.lostDeliveries),
    `${s.loadCpuPercent.toFixed(0)} %`,
  ]);
  rows.push([
    "ours/base",
    `${ratios.throughput.toFixed(2)} x`,
    "",
    `${ratios.cpuPerPacket.toFixed(2)} x`,
    `${ratios.latencyP50.toFixed(2)} x`,
    `${ratios.latencyP99.toFixed(2)} x`,
    "",
    "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join("  ");
  const rooms = Math.ceil(first.participants / options.roomSize);
  return [
    `N = ${first.participants} participants (${rooms} meetings of ≤ ${options.roomSize}), ${options.windowSeconds} s window, median of ${first.runs} run(s)`,
    line(header),
    ...rows.map(line),
  ].join("\n");
}

function parseOptions(): Options {
  const fail = (message: string): never => {
    console.error(`error: ${message}\n\n${USAGE}`);
    Deno.exit(2);
  };
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: Deno.args,
      options: {
        participants: { type: "string" },
        seconds: { type: "string" },
        "warmup-seconds": { type: "string" },
        runs: { type: "string" },
        "room-size": { type: "string" },
        "drain-seconds": { type: "string" },
        output: { type: "string" },
      },
      strict: true,
    }).values;
  } catch (error) {
    return fail((error as Error).message);
  }
  const number = (name: string, fallback: number, min: number): number => {
    const raw = values[name];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(value) || value < min) fail(`--${name} must be a number ≥ ${min}, got "${raw}"`);
    return value;
  };
  const participantCounts = (values.participants ?? "50,100,150").split(",").map((raw) => {
    const value = Number(raw.trim());
    if (!Number.isInteger(value) || value < 2) fail(`--participants takes integers ≥ 2, got "${raw}"`);
    return value;
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return {
    participantCounts,
    windowSeconds: number("seconds", 10, 0.1),
    warmupSeconds: number("warmup-seconds", 2, 0),
    runs: Math.floor(number("runs", 2, 1)),
    roomSize: Math.floor(number("room-size", 10, 2)),
    drainSeconds: number("drain-seconds", 3, 0.1),
    outputPath: values.output ?? `${ROOT}bench/results/relay-${stamp}.json`,
  };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const ticksPerSecond = await clockTicksPerSecond();
  const measurements: Measurement[] = [];
  const summaries: Summary[] = [];
  const ratios: Ratios[] = [];
  console.log(
    `relay benchmark: ${navigator.hardwareConcurrency} CPUs, Deno ${Deno.version.deno}; ` +
      `${options.runs} run(s) per server and count, ${options.warmupSeconds} s warm-up, ${options.windowSeconds} s window\n`,
  );
  for (const participants of options.participantCounts) {
    for (let run = 1; run <= options.runs; run++) {
      // Alternate who goes first, so a drift of the machine (thermal, neighbours) hits both alike.
      const order = run % 2 === 1 ? SERVERS : [...SERVERS].reverse();
      for (const server of order) {
        const m = await measure(server, participants, run, options, ticksPerSecond);
        measurements.push(m);
        console.log(
          `  N=${participants} run ${run} ${server.padEnd(9)}: ${Math.round(m.forwardedPerSecond)} pkt/s, ` +
            `CPU ${m.serverCpuPercent.toFixed(1)} %, p50 ${m.latencyP50Ms.toFixed(2)} ms, ` +
            `p99 ${m.latencyP99Ms.toFixed(2)} ms, lost ${m.lostDeliveries}, load CPU ${m.loadCpuPercent.toFixed(0)} %`,
        );
      }
    }
    const ours = summarize(measurements, "videocall", participants);
    const baseline = summarize(measurements, "baseline", participants);
    const ratio = ratiosOf(ours, baseline);
    summaries.push(ours, baseline);
    ratios.push(ratio);
    console.log(`\n${formatTable([ours, baseline], ratio, options)}\n`);
  }
  await Deno.mkdir(new URL(".", `file://${options.outputPath}`), { recursive: true }).catch(() => {});
  await Deno.writeTextFile(
    options.outputPath,
    `${JSON.stringify(
      {
        finishedAt: new Date().toISOString(),
        machine: { cpus: navigator.hardwareConcurrency, deno: Deno.version.deno, v8: Deno.version.v8 },
        options,
        measurements,
        summaries,
        ratios,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`results: ${options.outputPath}`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    await stopAllChildren();
    Deno.exit(130);
  });
}
try {
  await main();
} catch (error) {
  console.error(`relay benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
  await stopAllChildren();
  Deno.exit(1);
}
Deno.exit(0);
