/**
 * Relay benchmark: our relay against a plain broadcast relay, same load, same run.
 *
 *   deno run --config deno.json -A bench/relay/main.ts [--participants 50,100,150] [--seconds 10]
 *     [--warmup-seconds 2] [--runs 2] [--room-size 10] [--drain-seconds 3] [--output file.json]
 *     [--multinode | --topology single,two-nodes]
 *
 * For each participant count and run, each setup in turn (the order reverses every run): start
 * its processes (one relay; or nats-server and two relay nodes linked through it), start the
 * load generator (another process), let it warm up, sample the CPU of the setup's processes over
 * the measuring window, collect the generator's counts and latencies, stop everything.
 * See README.md for how to read the tables.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BenchChild, clockTicksPerSecond, processCpuSeconds, stopAllChildren } from "./child-process.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The Debian package's binary, as in test/fixtures/nats.ts; override with NATS_SERVER_BIN. */
const NATS_SERVER = Deno.env.get("NATS_SERVER_BIN") ?? "/usr/sbin/nats-server";
const SERVER_START_TIMEOUT_MS = 20_000;
/** A new in-memory PGlite runs initdb: seconds, more on a busy machine. Joins before it would wait. */
const DATABASE_READY_TIMEOUT_MS = 90_000;
const CONNECT_TIMEOUT_MS = 40_000;

const USAGE = `Usage: deno run --config deno.json -A bench/relay/main.ts [options]
  --participants <list>   comma-separated participant counts (default 50,100,150)
  --seconds <s>           measuring window per measurement (default 10)
  --warmup-seconds <s>    load before the window (default 2)
  --runs <n>              measurements per count and server, alternating order; medians reported (default 2)
  --room-size <n>         participants per meeting (default 10)
  --drain-seconds <s>     wait for in-flight packets after the window (default 3)
  --output <file>         JSON results (default bench/results/relay-<timestamp>.json)
  --topology <list>       our relay's topologies: single (with the baseline beside it), two-nodes
                          (nats-server + 2 relay nodes, every meeting spread over both); default single
  --multinode             same as --topology single,two-nodes: adds the cross-node table`;

/** What runs one measurement: our relay alone, the baseline, or two of our relays + nats-server. */
export type ServerName = "videocall" | "baseline" | "videocall-two-nodes";
/** The order of the first run; later runs alternate between it and its reverse. */
const SERVERS: readonly ServerName[] = ["videocall", "baseline", "videocall-two-nodes"];

export type Topology = "single" | "two-nodes";
const TOPOLOGIES: readonly Topology[] = ["single", "two-nodes"];
const TWO_NODES = 2;

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
  /** Summed over the relay processes (two with two-nodes), in % of one core. */
  serverCpuPercent: number;
  /** Per relay process, in the order of their URLs. */
  relayCpuPercents: number[];
  /** nats-server's CPU (0 without NATS). */
  natsCpuPercent: number;
  /** Relay CPU time per forwarded packet, in µs. */
  serverCpuUsPerPacket: number;
  /** Relay + nats-server CPU time per forwarded packet, in µs. */
  totalCpuUsPerPacket: number;
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
  natsCpuPercent: number;
  serverCpuUsPerPacket: number;
  totalCpuUsPerPacket: number;
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

/** Two nodes + NATS divided by one node, per participant count: the cost of crossing nodes. */
export interface CrossNodeRatios {
  participants: number;
  throughput: number;
  /** Relay CPU per forwarded packet, both nodes summed, ÷ the single node's. */
  cpuPerPacket: number;
  /** The same with nats-server's CPU added to the two nodes'. */
  cpuPerPacketWithNats: number;
  latencyP50: number;
  latencyP99: number;
}

/** Extra Deno flags for the relay processes, e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile them. */
const SERVER_DENO_FLAGS = (Deno.env.get("RELAY_BENCH_SERVER_FLAGS") ?? "").split(" ").filter(Boolean);

function serverArgs(server: "videocall" | "baseline"): string[] {
  return server === "videocall"
    ? [
        "run",
        ...SERVER_DENO_FLAGS,
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
        // Every load client connects from 127.0.0.1, and all connect before any sends.
        "--max-connections-per-ip",
        "100000",
        "--handshake-timeout-ms",
        "600000",
        // One throwaway database per process: several relays in one directory would contend for its lock.
        "--database-url",
        "memory://",
      ]
    : [
        "run",
        ...SERVER_DENO_FLAGS,
        "-A",
        "bench/relay/baseline-relay.ts",
        "--port",
        "0",
        "--host",
        "127.0.0.1",
      ];
}

interface Options {
  participantCounts: number[];
  windowSeconds: number;
  warmupSeconds: number;
  runs: number;
  roomSize: number;
  drainSeconds: number;
  outputPath: string;
  topologies: Topology[];
}

/** The processes of one setup; `urls` are what the load generator connects to. */
interface Deployment {
  readonly urls: string[];
  readonly relays: BenchChild[];
  readonly nats: BenchChild | undefined;
}

/**
 * Starts the setup's processes, pushing each onto `started` as soon as it is spawned so that
 * the caller stops them all, even when a later one fails to start.
 */
async function deploy(server: ServerName, started: BenchChild[]): Promise<Deployment> {
  const spawn = (name: string, args: string[], options: { exitWithParent: boolean; command?: string }) => {
    const child = new BenchChild(name, args, { cwd: ROOT, ...options });
    started.push(child);
    return child;
  };
  if (server !== "videocall-two-nodes") {
    const relay = spawn(server, serverArgs(server), { exitWithParent: server === "baseline" });
    const listening = await relay.waitFor("listening", SERVER_START_TIMEOUT_MS);
    if (server === "videocall") await relay.waitFor("database-ready", DATABASE_READY_TIMEOUT_MS);
    return { urls: [String(listening.url)], relays: [relay], nats: undefined };
  }
  // -p -1: a random free port, read back from the log, so no port is guessed.
  const nats = spawn("nats-server", ["-a", "127.0.0.1", "-p", "-1"], {
    exitWithParent: false,
    command: NATS_SERVER,
  });
  const [, natsAddress] = await nats.waitForStderr(
    /Listening for client connections on (127\.0\.0\.1:\d+)/,
    SERVER_START_TIMEOUT_MS,
  );
  await nats.waitForStderr(/Server is ready/, SERVER_START_TIMEOUT_MS);
  const relays = Array.from({ length: TWO_NODES }, (_, i) =>
    spawn(
      `videocall relay-${i + 1}`,
      [...serverArgs("videocall"), "--nats-url", `nats://${natsAddress}`, "--node-id", `relay-${i + 1}`],
      { exitWithParent: false },
    ),
  );
  const urls = await Promise.all(
    relays.map(async (relay) => {
      const { url } = await relay.waitFor("listening", SERVER_START_TIMEOUT_MS);
      await relay.waitFor("database-ready", DATABASE_READY_TIMEOUT_MS);
      return String(url);
    }),
  );
  return { urls, relays, nats };
}

async function measure(
  server: ServerName,
  participants: number,
  run: number,
  options: Options,
  ticksPerSecond: number,
): Promise<Measurement> {
  const started: BenchChild[] = [];
  try {
    const { urls, relays, nats } = await deploy(server, started);
    const load = new BenchChild(
      "load-clients",
      [
        "run",
        "--config",
        "deno.json",
        "-A",
        "bench/relay/load-clients.ts",
        "--url",
        urls.join(","),
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
    started.push(load);
    await load.waitFor("connected", CONNECT_TIMEOUT_MS);
    await load.waitFor("measuring", (options.warmupSeconds + 5) * 1000);
    const cpuNow = (child: BenchChild | undefined) =>
      child === undefined ? 0 : processCpuSeconds(child.pid, ticksPerSecond);
    const relayCpuStart = relays.map(cpuNow);
    const natsCpuStart = cpuNow(nats);
    const loadCpuStart = cpuNow(load);
    const startMs = performance.now();
    await load.waitFor("measured", (options.windowSeconds + 5) * 1000);
    const elapsedSeconds = (performance.now() - startMs) / 1000;
    const relayCpuSeconds = relays.map((relay, i) => cpuNow(relay) - (relayCpuStart[i] as number));
    const natsCpuSeconds = cpuNow(nats) - natsCpuStart;
    const loadCpuSeconds = cpuNow(load) - loadCpuStart;
    const result = (await load.waitFor(
      "result",
      (options.drainSeconds + 10) * 1000,
    )) as unknown as LoadResult;
    const received = result.receivedDeliveries;
    const serverCpuSeconds = relayCpuSeconds.reduce((sum, seconds) => sum + seconds, 0);
    // The CPU window and the capture-time window coincide to a few ms; scale to the latter.
    const usPerPacket = (cpuSeconds: number) =>
      received === 0 ? Number.NaN : ((cpuSeconds / elapsedSeconds) * result.windowSeconds * 1e6) / received;
    const percent = (cpuSeconds: number) => (100 * cpuSeconds) / elapsedSeconds;
    return {
      server,
      participants,
      run,
      windowSeconds: result.windowSeconds,
      forwardedPerSecond: received / result.windowSeconds,
      serverCpuPercent: percent(serverCpuSeconds),
      relayCpuPercents: relayCpuSeconds.map(percent),
      natsCpuPercent: percent(natsCpuSeconds),
      serverCpuUsPerPacket: usPerPacket(serverCpuSeconds),
      totalCpuUsPerPacket: usPerPacket(serverCpuSeconds + natsCpuSeconds),
      loadCpuPercent: percent(loadCpuSeconds),
      latencyP50Ms: (result.latencyUs.p50 ?? Number.NaN) / 1000,
      latencyP99Ms: (result.latencyUs.p99 ?? Number.NaN) / 1000,
      expectedDeliveries: result.expectedDeliveries,
      lostDeliveries: result.lostDeliveries,
      maxTickLagMs: result.maxTickLagMs,
    };
  } finally {
    // The load first (no more traffic), then the relays (they drain to NATS), then NATS.
    for (const child of started.reverse()) await child.stop();
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
    natsCpuPercent: of((m) => m.natsCpuPercent),
    serverCpuUsPerPacket: of((m) => m.serverCpuUsPerPacket),
    totalCpuUsPerPacket: of((m) => m.totalCpuUsPerPacket),
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

/** Issue 12's goal for our relay against the plain broadcast relay, per forwarded packet. */
const CPU_PER_PACKET_GOAL = 0.5;

/**
 * One line per N: the CPU-per-packet ratio of the medians, the same ratio within each run (both
 * setups of a run ran back to back, so these pair up), and both p99s, against the goal.
 */
export function formatGoalSummary(measurements: readonly Measurement[], ratios: readonly Ratios[]): string {
  const lines = [
    `CPU per forwarded packet, ours / plain broadcast relay (goal ≤ ${CPU_PER_PACKET_GOAL.toFixed(2)} x, p99 not worse):`,
  ];
  for (const ratio of ratios) {
    const of = (server: ServerName) =>
      measurements.filter((m) => m.server === server && m.participants === ratio.participants);
    const ours = of("videocall");
    const base = of("baseline");
    // A run where either setup lost deliveries was starved (by the machine or its own backlog):
    // its CPU per packet is inflated, so it is marked and left out of the "both kept up" median.
    const keptUp = (m: Measurement) => m.lostDeliveries === 0;
    const pairs = ours.flatMap((o) => {
      const b = base.find((m) => m.run === o.run);
      return b
        ? [{ ratio: o.serverCpuUsPerPacket / b.serverCpuUsPerPacket, clean: keptUp(o) && keptUp(b) }]
        : [];
    });
    const perRun = pairs.map((p) => `${p.ratio.toFixed(2)}${p.clean ? "" : "*"}`).join(", ");
    const clean = pairs.filter((p) => p.clean).map((p) => p.ratio);
    const p99 = (list: Measurement[]) => median(list.map((m) => m.latencyP99Ms)).toFixed(0);
    const met =
      clean.length === 0
        ? "not judged (every run starved)"
        : median(clean) <= CPU_PER_PACKET_GOAL && ratio.latencyP99 <= 1
          ? "met"
          : "not met";
    lines.push(
      `  N=${ratio.participants}: ${ratio.cpuPerPacket.toFixed(2)} x (per run: ${perRun}; ` +
        `runs where both kept up: ${clean.length > 0 ? `${median(clean).toFixed(2)} x` : "none"}); ` +
        `p99 ${p99(ours)} / ${p99(base)} ms (${ratio.latencyP99.toFixed(2)} x): ${met}`,
    );
  }
  lines.push("  * a setup lost deliveries in that run: starved, its CPU per packet is inflated");
  return lines.join("\n");
}

function crossNodeRatiosOf(twoNodes: Summary, single: Summary): CrossNodeRatios {
  return {
    participants: twoNodes.participants,
    throughput: twoNodes.forwardedPerSecond / single.forwardedPerSecond,
    cpuPerPacket: twoNodes.serverCpuUsPerPacket / single.serverCpuUsPerPacket,
    cpuPerPacketWithNats: twoNodes.totalCpuUsPerPacket / single.totalCpuUsPerPacket,
    latencyP50: twoNodes.latencyP50Ms / single.latencyP50Ms,
    latencyP99: twoNodes.latencyP99Ms / single.latencyP99Ms,
  };
}

/** Columns padded to their widest cell: the first left-aligned, the others right-aligned. */
function renderTable(title: string, header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join("  ");
  return [title, line(header), ...rows.map(line)].join("\n");
}

const times = (ratio: number) => `${ratio.toFixed(2)} x`;
const packetsPerSecond = (s: Summary) => Math.round(s.forwardedPerSecond).toLocaleString("en-US");

function titleOf(first: Summary, what: string, options: Options): string {
  const rooms = Math.ceil(first.participants / options.roomSize);
  return (
    `N = ${first.participants} participants (${rooms} meetings of ≤ ${options.roomSize}), ${what}, ` +
    `${options.windowSeconds} s window, median of ${first.runs} run(s)`
  );
}

function formatTable(summaries: Summary[], ratios: Ratios, options: Options): string {
  const header = ["server", "fwd pkt/s", "server CPU", "CPU µs/pkt", "p50 ms", "p99 ms", "lost", "load CPU"];
  const rows = summaries.map((s) => [
    s.server,
    packetsPerSecond(s),
    `${s.serverCpuPercent.toFixed(1)} %`,
    s.serverCpuUsPerPacket.toFixed(2),
    s.latencyP50Ms.toFixed(2),
    s.latencyP99Ms.toFixed(2),
    String(s.lostDeliveries),
    `${s.loadCpuPercent.toFixed(0)} %`,
  ]);
  rows.push([
    "ours/base",
    times(ratios.throughput),
    "",
    times(ratios.cpuPerPacket),
    times(ratios.latencyP50),
    times(ratios.latencyP99),
    "",
    "",
  ]);
  return renderTable(titleOf(summaries[0] as Summary, "our relay vs baseline", options), header, rows);
}

/** Single node vs two nodes + NATS; `ratios` is undefined when only one topology ran. */
function formatCrossNodeTable(
  summaries: Summary[],
  ratios: CrossNodeRatios | undefined,
  options: Options,
): string {
  const header = [
    "topology",
    "fwd pkt/s",
    "relay CPU",
    "NATS CPU",
    "relay µs/pkt",
    "+NATS µs/pkt",
    "p50 ms",
    "p99 ms",
    "lost",
    "load CPU",
  ];
  const rows = summaries.map((s) => [
    s.server === "videocall-two-nodes" ? "two-nodes" : "single",
    packetsPerSecond(s),
    `${s.serverCpuPercent.toFixed(1)} %`,
    s.server === "videocall-two-nodes" ? `${s.natsCpuPercent.toFixed(1)} %` : "-",
    s.serverCpuUsPerPacket.toFixed(2),
    s.totalCpuUsPerPacket.toFixed(2),
    s.latencyP50Ms.toFixed(2),
    s.latencyP99Ms.toFixed(2),
    String(s.lostDeliveries),
    `${s.loadCpuPercent.toFixed(0)} %`,
  ]);
  if (ratios) {
    rows.push([
      "two/single",
      times(ratios.throughput),
      "",
      "",
      times(ratios.cpuPerPacket),
      times(ratios.cpuPerPacketWithNats),
      times(ratios.latencyP50),
      times(ratios.latencyP99),
      "",
      "",
    ]);
  }
  const title = titleOf(summaries[0] as Summary, "our relay on one node vs two nodes + NATS", options);
  return renderTable(title, header, rows);
}

function parseOptions(): Options {
  const fail = (message: string): never => {
    console.error(`error: ${message}\n\n${USAGE}`);
    Deno.exit(2);
  };
  let values: Record<string, string | boolean | undefined>;
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
        topology: { type: "string" },
        multinode: { type: "boolean" },
      },
      strict: true,
    }).values;
  } catch (error) {
    return fail((error as Error).message);
  }
  const number = (name: string, fallback: number, min: number): number => {
    const raw = values[name] as string | undefined;
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(value) || value < min) fail(`--${name} must be a number ≥ ${min}, got "${raw}"`);
    return value;
  };
  if (values.multinode && values.topology !== undefined) fail("give --multinode or --topology, not both");
  const topologyList =
    (values.topology as string | undefined) ?? (values.multinode ? "single,two-nodes" : "single");
  const topologies = [...new Set(topologyList.split(",").map((raw) => raw.trim()))].map((raw) => {
    if (!TOPOLOGIES.includes(raw as Topology))
      fail(`--topology takes ${TOPOLOGIES.join(", ")}, got "${raw}"`);
    return raw as Topology;
  });
  const participantCounts = ((values.participants as string | undefined) ?? "50,100,150")
    .split(",")
    .map((raw) => {
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
    outputPath: (values.output as string | undefined) ?? `${ROOT}bench/results/relay-${stamp}.json`,
    topologies,
  };
}

/** Which setups to measure: `single` is our relay beside the baseline (the original comparison). */
function serversOf(topologies: Topology[]): ServerName[] {
  return SERVERS.filter((server) =>
    server === "videocall-two-nodes" ? topologies.includes("two-nodes") : topologies.includes("single"),
  );
}

function describe(m: Measurement): string {
  const cpu =
    m.server === "videocall-two-nodes"
      ? `CPU ${m.serverCpuPercent.toFixed(1)} % (${m.relayCpuPercents.map((p) => p.toFixed(1)).join(" + ")}) ` +
        `+ NATS ${m.natsCpuPercent.toFixed(1)} %`
      : `CPU ${m.serverCpuPercent.toFixed(1)} %`;
  return (
    `  N=${m.participants} run ${m.run} ${m.server.padEnd(19)}: ${Math.round(m.forwardedPerSecond)} pkt/s, ` +
    `${cpu}, p50 ${m.latencyP50Ms.toFixed(2)} ms, p99 ${m.latencyP99Ms.toFixed(2)} ms, ` +
    `lost ${m.lostDeliveries}, load CPU ${m.loadCpuPercent.toFixed(0)} %`
  );
}

async function main(): Promise<void> {
  const options = parseOptions();
  const ticksPerSecond = await clockTicksPerSecond();
  const servers = serversOf(options.topologies);
  const measurements: Measurement[] = [];
  const summaries: Summary[] = [];
  const ratios: Ratios[] = [];
  const crossNodeRatios: CrossNodeRatios[] = [];
  console.log(
    `relay benchmark: ${navigator.hardwareConcurrency} CPUs, Deno ${Deno.version.deno}; ` +
      `${options.runs} run(s) per setup and count (${servers.join(", ")}), ` +
      `${options.warmupSeconds} s warm-up, ${options.windowSeconds} s window\n`,
  );
  for (const participants of options.participantCounts) {
    for (let run = 1; run <= options.runs; run++) {
      // Alternate the order, so a drift of the machine (thermal, neighbours) hits all setups alike.
      const order = run % 2 === 1 ? servers : [...servers].reverse();
      for (const server of order) {
        const m = await measure(server, participants, run, options, ticksPerSecond);
        measurements.push(m);
        console.log(describe(m));
      }
    }
    const summaryOf = (server: ServerName) =>
      servers.includes(server) ? summarize(measurements, server, participants) : undefined;
    const ours = summaryOf("videocall");
    const baseline = summaryOf("baseline");
    const twoNodes = summaryOf("videocall-two-nodes");
    console.log("");
    if (ours && baseline) {
      const ratio = ratiosOf(ours, baseline);
      summaries.push(ours, baseline);
      ratios.push(ratio);
      console.log(`${formatTable([ours, baseline], ratio, options)}\n`);
    }
    if (twoNodes) {
      summaries.push(twoNodes);
      const crossNode = ours ? crossNodeRatiosOf(twoNodes, ours) : undefined;
      if (crossNode) crossNodeRatios.push(crossNode);
      const rows = ours ? [ours, twoNodes] : [twoNodes];
      console.log(`${formatCrossNodeTable(rows, crossNode, options)}\n`);
    }
  }
  if (ratios.length > 0) console.log(`${formatGoalSummary(measurements, ratios)}\n`);
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
        crossNodeRatios,
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
