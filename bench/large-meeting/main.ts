/**
 * Large-meeting benchmark: one meeting of N (default 1000) on this machine, bots in separate
 * processes, in two modes measured in the same run:
 * - broadcast (the baseline): publishers send one 720p layer, every subscriber takes everything
 *   (SetSubscriptions ALL), as a plain broadcast relay would deliver;
 * - selective: publishers send three simulcast layers (TrackInfo.layers) and audio levels, every
 *   subscriber shows a page of tiles (EXPLICIT, tile sizes, last_n) and all publishers' audio.
 * Each mode runs on one node and, with `--topology single,two-nodes`, on two nodes + NATS.
 * See README.md for the options and how to read the tables.
 */
import { parseArgs } from "node:util";
import {
  type BotSpec,
  type MeetingBotsResult,
  MergedLatency,
  SIMULCAST_LAYERS,
  type SubscriptionPlan,
  type VideoLayerSpec,
} from "../../packages/cli/src/load/mod.ts";
import { startPostgres } from "../../test/fixtures/postgres.ts";
import {
  BenchChild,
  clockTicksPerSecond,
  processCpuSeconds,
  stopAllChildren,
} from "../relay/child-process.ts";
import type { BotsProcessConfig } from "./bots.ts";
import { deploy, ROOT, rssBytesOf, type Topology } from "./deployment.ts";
import { summarizeTimeline } from "./timeline.ts";

/** Creates a database for one measurement; undefined: the relays use in-memory PGlite. */
type DatabaseFactory = (() => Promise<string>) | undefined;

const USAGE = `Usage: deno run --config deno.json -A --unstable-net bench/large-meeting/main.ts [options]
  --participants <n>     meeting size, publishers included (default 1000)
  --publishers <n>       camera publishers (default 10)
  --speakers <n>         publishers whose audio is speech (default 3)
  --tiles <n>            video tiles on a subscriber's page in selective mode (default 4)
  --last-n <n>           SetSubscriptions.last_n in selective mode (default = tiles)
  --tile-size <WxH>      the tiles' size in pixels (default 640x360)
  --fps <n>              video frames per second per layer (default 30)
  --load-processes <n>   processes for the subscribers (default 4; publishers get one more)
  --join-concurrency <n> joins in flight per load process (default 25)
  --seconds <s>          measuring window (default 10)
  --warmup-seconds <s>   sending before the window (default 10: the start's backlog drains first)
  --drain-seconds <s>    waiting for stragglers after it (default 3)
  --modes <list>         broadcast,selective (default both)
  --topology <list>      single,two-nodes (default single)
  --transport <t>        websocket or webtransport (default websocket)
  --output <file>        JSON results (default bench/results/large-meeting-<timestamp>.json)`;

export type Mode = "broadcast" | "selective";

/** One measurement: one mode on one topology. */
export interface Measurement {
  mode: Mode;
  topology: Topology;
  participants: number;
  publishers: number;
  subscribers: number;
  windowSeconds: number;
  /** From the first join's start to the last Welcome, all processes together. */
  admissionSeconds: number;
  /** How long the participant that was welcomed last took to join. */
  lastJoinMs: number;
  joinP50Ms: number;
  relayCpuPercent: number;
  relayCpuPercents: number[];
  natsCpuPercent: number;
  loadCpuPercent: number;
  /** Relay RSS summed over nodes, MiB: before joins, all joined, window end, 3 s after everyone left. */
  relayRssMiB: { start: number; joined: number; end: number; afterLeave: number };
  /** (joined − start) RSS / participants. */
  relayKiBPerParticipant: number;
  /** Per subscriber, over the window: median, 10th percentile, 90th. */
  packetsPerSecondPerSubscriber: Spread;
  kilobitsPerSecondPerSubscriber: Spread;
  /** Of those packets, audio (top-3 audio should hold it at 3 × 50/s). */
  audioPacketsPerSecondPerSubscriber: Spread;
  /** Distinct frames per second per tile it should show (broadcast: every publisher; selective: the page). */
  fpsPerTile: Spread;
  /** Video packets subscribers received, by layer (fractions). */
  layerShare: number[];
  speakerAudioExpected: number;
  speakerAudioReceived: number;
  speakerAudioLossPercent: number;
  latencyMs: { p50: number | null; p99: number | null; p999: number | null };
  audioLatencyMs: { p50: number | null; p99: number | null };
  /** What publishers sent per second in the window, by layer. */
  publisherPacketsPerSecondByLayer: number[];
  keyframeRequests: number;
  disconnects: number;
  maxTickLagMs: number;
  /**
   * From the first media sent (the warm-up's start, when everyone subscribes and needs its first
   * key frames) to the half second after which every half second had < 1 % of media later than
   * 150 ms (timeline.ts); NaN: it never settled.
   */
  settleSeconds: number;
  /** Share of the window's media later than 150 ms, %. */
  windowLatePercent: number;
  /** Per half second from the warm-up's start to the window's end: [packets, later than 150 ms]. */
  timeline: [number, number][];
  /** Media that arrived with a capture time outside the window (warm-up, or later than the drain allowed for). */
  receivedOutsideWindow: number;
  /** From the relays' /api/debug/rooms at the window's end, summed over connections. */
  relayQueues: { packetsSent: number; packetsDropped: number; queuedPackets: number };
  /** The machine's 1-minute load average at the window's end: other work on the 2 cores shows here. */
  loadAverage: number;
}

export interface Spread {
  p50: number;
  p10: number;
  p90: number;
}

export interface Ratios {
  topology: Topology;
  relayCpu: number;
  packetsPerSubscriber: number;
  bytesPerSubscriber: number;
  latencyP50: number;
  latencyP99: number;
  relayMemory: number;
}

interface Options {
  participants: number;
  publishers: number;
  speakers: number;
  tiles: number;
  lastN: number;
  tileWidthPx: number;
  tileHeightPx: number;
  fps: number;
  loadProcesses: number;
  joinConcurrency: number;
  windowSeconds: number;
  warmupSeconds: number;
  drainSeconds: number;
  modes: Mode[];
  topologies: Topology[];
  transport: "websocket" | "webtransport";
  outputPath: string;
}

const CONNECT_TIMEOUT_MS = 60_000;
/** Joining a thousand on a busy 2-core machine: minutes, not seconds. */
const JOIN_TIMEOUT_MS = 15 * 60_000;
const SPEAKING_LEVEL = 100;
const AFTER_LEAVE_SETTLE_MS = 3000;
const SINGLE_LAYER: readonly VideoLayerSpec[] = [{ ...(SIMULCAST_LAYERS[2] as VideoLayerSpec), layer: 0 }];

function parseOptions(): Options {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      participants: { type: "string", default: "1000" },
      publishers: { type: "string", default: "10" },
      speakers: { type: "string", default: "3" },
      tiles: { type: "string", default: "4" },
      "last-n": { type: "string" },
      "tile-size": { type: "string", default: "640x360" },
      fps: { type: "string", default: "30" },
      "load-processes": { type: "string", default: "4" },
      "join-concurrency": { type: "string", default: "25" },
      seconds: { type: "string", default: "10" },
      "warmup-seconds": { type: "string", default: "10" },
      "drain-seconds": { type: "string", default: "3" },
      modes: { type: "string", default: "broadcast,selective" },
      topology: { type: "string", default: "single" },
      transport: { type: "string", default: "websocket" },
      output: { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const positive = (name: string, raw: string) => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) fail(`--${name} must be a positive number, got "${raw}"`);
    return value;
  };
  const integer = (name: string, raw: string) => Math.floor(positive(name, raw));
  const list = <T extends string>(name: string, raw: string, allowed: readonly T[]) => {
    const items = raw.split(",").map((item) => item.trim()) as T[];
    for (const item of items) if (!allowed.includes(item)) fail(`--${name}: unknown "${item}"`);
    return items;
  };
  const size = /^(\d+)x(\d+)$/.exec(values["tile-size"]);
  if (!size) fail(`--tile-size takes WxH, got "${values["tile-size"]}"`);
  const participants = integer("participants", values.participants);
  const publishers = integer("publishers", values.publishers);
  if (publishers >= participants) fail("--publishers must be fewer than --participants");
  const speakers = Math.min(publishers, integer("speakers", values.speakers));
  const tiles = integer("tiles", values.tiles);
  if (values.transport !== "websocket" && values.transport !== "webtransport")
    fail(`--transport is websocket or webtransport, got "${values.transport}"`);
  return {
    participants,
    publishers,
    speakers,
    tiles,
    lastN: values["last-n"] === undefined ? tiles : integer("last-n", values["last-n"]),
    tileWidthPx: Number(size[1]),
    tileHeightPx: Number(size[2]),
    fps: positive("fps", values.fps),
    loadProcesses: integer("load-processes", values["load-processes"]),
    joinConcurrency: integer("join-concurrency", values["join-concurrency"]),
    windowSeconds: positive("seconds", values.seconds),
    warmupSeconds: positive("warmup-seconds", values["warmup-seconds"]),
    drainSeconds: positive("drain-seconds", values["drain-seconds"]),
    modes: list<Mode>("modes", values.modes, ["broadcast", "selective"]),
    topologies: list<Topology>("topology", values.topology, ["single", "two-nodes"]),
    transport: values.transport,
    outputPath:
      values.output ??
      `${ROOT}bench/results/large-meeting-${new Date().toISOString().replace(/[:.]/g, "-")}.json`,
  };
}

function fail(message: string): never {
  console.error(`error: ${message}\n${USAGE}`);
  Deno.exit(2);
}

const publisherName = (i: number) => `pub-${i}`;

/** The bots of one mode: publishers first (they join first), then the subscribers split into shares. */
function botShares(options: Options): { publishers: BotSpec[]; subscriberShares: BotSpec[][] } {
  const publishers: BotSpec[] = Array.from({ length: options.publishers }, (_, i) => ({
    index: i,
    username: publisherName(i),
    role: "publisher",
    audioLevel: i < options.speakers ? SPEAKING_LEVEL : 0,
  }));
  const subscriberCount = options.participants - options.publishers;
  const processes = Math.min(options.loadProcesses, subscriberCount);
  const subscriberShares: BotSpec[][] = Array.from({ length: processes }, () => []);
  for (let i = 0; i < subscriberCount; i++) {
    const index = options.publishers + i;
    subscriberShares[i % processes]?.push({
      index,
      username: `sub-${index}`,
      role: "subscriber",
      audioLevel: 0,
    });
  }
  return { publishers, subscriberShares };
}

function progress(message: string): void {
  console.error(`[large-meeting ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

async function measure(
  mode: Mode,
  topology: Topology,
  options: Options,
  ticksPerSecond: number,
  createDatabase: DatabaseFactory,
): Promise<Measurement> {
  const started: BenchChild[] = [];
  try {
    const databaseUrl = await createDatabase?.();
    const { urls, relays, nats } = await deploy(topology, started, databaseUrl ? { databaseUrl } : {});
    const rssNow = () => relays.reduce((sum, relay) => sum + rssBytesOf(relay.pid), 0);
    const rssStart = rssNow();
    const meetingId = `large-${mode}-${topology}`;
    const plan: SubscriptionPlan =
      mode === "broadcast"
        ? { mode: "all" }
        : {
            mode: "page",
            tiles: options.tiles,
            tileWidthPx: options.tileWidthPx,
            tileHeightPx: options.tileHeightPx,
            lastN: options.lastN,
          };
    const { publishers, subscriberShares } = botShares(options);
    const configOf = (bots: BotSpec[]): BotsProcessConfig => ({
      serverUrls: urls,
      meetingId,
      transport: options.transport,
      bots,
      publisherNames: publishers.map((p) => p.username),
      speakerNames: publishers.filter((p) => p.audioLevel > 0).map((p) => p.username),
      layers: mode === "broadcast" ? SINGLE_LAYER : SIMULCAST_LAYERS,
      videoFramesPerSecond: options.fps,
      subscription: plan,
      joinConcurrency: options.joinConcurrency,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
    });
    const spawnBots = (name: string, bots: BotSpec[]) => {
      const child = new BenchChild(
        name,
        [
          "run",
          "--config",
          "deno.json",
          "-A",
          "--unstable-net",
          "bench/large-meeting/bots.ts",
          JSON.stringify(configOf(bots)),
        ],
        { cwd: ROOT, exitWithParent: true },
      );
      started.push(child);
      return child;
    };
    progress(`${mode}, ${topology}: relay up (${urls.join(", ")}); ${options.publishers} publishers joining`);
    const publisherProcess = spawnBots("publishers", publishers);
    await publisherProcess.waitFor("joined", JOIN_TIMEOUT_MS);
    progress(`${mode}, ${topology}: ${options.participants - options.publishers} subscribers joining`);
    const subscriberProcesses = subscriberShares.map((share, i) => spawnBots(`subscribers-${i + 1}`, share));
    const joined = await Promise.all(
      subscriberProcesses.map((child) => child.waitFor("joined", JOIN_TIMEOUT_MS)),
    );
    const missing = joined.reduce((sum, event) => sum + Number(event.missingPublishers), 0);
    if (missing > 0) progress(`warning: ${missing} subscribers do not know every publisher`);
    const rssJoined = rssNow();
    const all = [publisherProcess, ...subscriberProcesses];

    const startUs = Date.now() * 1000 + options.warmupSeconds * 1e6;
    const endUs = startUs + options.windowSeconds * 1e6;
    const command = JSON.stringify({ cmd: "measure", startUs, endUs, drainMs: options.drainSeconds * 1000 });
    await Promise.all(all.map((child) => child.writeLine(command)));
    progress(`${mode}, ${topology}: everyone joined; warming up, then ${options.windowSeconds} s window`);
    await sleepUntilEpochUs(startUs);
    const cpuNow = (child: BenchChild | undefined) =>
      child === undefined ? 0 : processCpuSeconds(child.pid, ticksPerSecond);
    const relayCpuStart = relays.map(cpuNow);
    const natsCpuStart = cpuNow(nats);
    const loadCpuStart = all.reduce((sum, child) => sum + cpuNow(child), 0);
    await sleepUntilEpochUs(endUs);
    const windowSeconds = options.windowSeconds;
    const percent = (cpuSeconds: number) => (100 * cpuSeconds) / windowSeconds;
    const relayCpuPercents = relays.map((relay, i) => percent(cpuNow(relay) - (relayCpuStart[i] as number)));
    const natsCpuPercent = percent(cpuNow(nats) - natsCpuStart);
    const loadCpuPercent = percent(all.reduce((sum, child) => sum + cpuNow(child), 0) - loadCpuStart);
    const rssEnd = rssNow();
    const loadAverage = Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
    const relayQueues = await relayQueueTotals(urls);
    const results = (await Promise.all(
      all.map((child) => child.waitFor("result", (options.drainSeconds + 60) * 1000)),
    )) as unknown as MeetingBotsResult[];
    await Promise.all(all.map((child) => child.writeLine(JSON.stringify({ cmd: "leave" }))));
    await Promise.all(all.map((child) => child.waitFor("left", 60_000)));
    await new Promise((resolve) => setTimeout(resolve, AFTER_LEAVE_SETTLE_MS));
    const rssAfterLeave = rssNow();
    return summarize(mode, topology, options, results, {
      relayCpuPercents,
      natsCpuPercent,
      loadCpuPercent,
      loadAverage,
      relayQueues,
      rss: [rssStart, rssJoined, rssEnd, rssAfterLeave],
      window: { startUs, endUs },
    });
  } finally {
    for (const child of started.reverse()) await child.stop();
  }
}

/** What the relays' subscriber queues sent, dropped and hold, all connections summed. */
async function relayQueueTotals(urls: string[]): Promise<Measurement["relayQueues"]> {
  const totals = { packetsSent: 0, packetsDropped: 0, queuedPackets: 0 };
  for (const url of urls) {
    try {
      const debug = (await (
        await fetch(`${url}/api/debug/rooms`, { signal: AbortSignal.timeout(20_000) })
      ).json()) as {
        rooms: {
          connections: { queue?: { packetsSent: number; packetsDropped: number; queuedPackets: number } }[];
        }[];
      };
      for (const room of debug.rooms) {
        for (const { queue } of room.connections) {
          if (!queue) continue;
          totals.packetsSent += queue.packetsSent;
          totals.packetsDropped += queue.packetsDropped;
          totals.queuedPackets += queue.queuedPackets;
        }
      }
    } catch {
      // a relay too busy to answer in time: its figures stay out
    }
  }
  return totals;
}

async function sleepUntilEpochUs(epochUs: number): Promise<void> {
  const waitMs = epochUs / 1000 - Date.now();
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
}

function spreadOf(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number) =>
    sorted.length === 0
      ? Number.NaN
      : (sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] as number);
  return { p50: at(0.5), p10: at(0.1), p90: at(0.9) };
}

function summarize(
  mode: Mode,
  topology: Topology,
  options: Options,
  results: MeetingBotsResult[],
  sampled: {
    relayCpuPercents: number[];
    natsCpuPercent: number;
    loadCpuPercent: number;
    loadAverage: number;
    relayQueues: Measurement["relayQueues"];
    rss: number[];
    window: { startUs: number; endUs: number };
  },
): Measurement {
  const bots = results.flatMap((r) => r.bots);
  const publishers = results.flatMap((r) => r.publishers);
  const subscribers = bots.filter((b) => b.role === "subscriber");
  const window = options.windowSeconds;
  const joinEnds = bots.map((b) => b.joinStartedEpochMs + b.joinMs);
  const last = bots[joinEnds.indexOf(Math.max(...joinEnds))];
  const timeline = summarizeTimeline(
    results.map((r) => r.timeline),
    sampled.window.startUs - options.warmupSeconds * 1e6,
    sampled.window,
  );
  const latency = new MergedLatency();
  const audioLatency = new MergedLatency();
  for (const result of results) {
    latency.add(result.latencyBins);
    audioLatency.add(result.audioLatencyBins);
  }
  const speakerAudioSent = publishers
    .filter((p) => p.index < options.speakers)
    .reduce((sum, p) => sum + p.audioPackets, 0);
  const speakerAudioExpected = speakerAudioSent * subscribers.length;
  const speakerAudioReceived = subscribers.reduce((sum, s) => sum + s.speakerAudioPackets, 0);
  const tilesShown = mode === "broadcast" ? options.publishers : Math.min(options.tiles, options.publishers);
  const layerTotals = [0, 1, 2, 3].map((layer) =>
    subscribers.reduce((sum, s) => sum + (s.videoPacketsByLayer[layer] ?? 0), 0),
  );
  const videoTotal = layerTotals.reduce((a, b) => a + b, 0);
  const layerCount = mode === "broadcast" ? 1 : SIMULCAST_LAYERS.length;
  const [rssStart, rssJoined, rssEnd, rssAfterLeave] = sampled.rss as [number, number, number, number];
  const mib = (bytes: number) => bytes / 2 ** 20;
  return {
    mode,
    topology,
    participants: bots.length,
    publishers: publishers.length,
    subscribers: subscribers.length,
    windowSeconds: window,
    admissionSeconds: (Math.max(...joinEnds) - Math.min(...bots.map((b) => b.joinStartedEpochMs))) / 1000,
    lastJoinMs: last?.joinMs ?? Number.NaN,
    joinP50Ms: spreadOf(bots.map((b) => b.joinMs)).p50,
    relayCpuPercent: sampled.relayCpuPercents.reduce((a, b) => a + b, 0),
    relayCpuPercents: sampled.relayCpuPercents,
    natsCpuPercent: sampled.natsCpuPercent,
    loadCpuPercent: sampled.loadCpuPercent,
    relayRssMiB: {
      start: mib(rssStart),
      joined: mib(rssJoined),
      end: mib(rssEnd),
      afterLeave: mib(rssAfterLeave),
    },
    relayKiBPerParticipant: (rssJoined - rssStart) / 1024 / bots.length,
    packetsPerSecondPerSubscriber: spreadOf(subscribers.map((s) => s.mediaPackets / window)),
    kilobitsPerSecondPerSubscriber: spreadOf(subscribers.map((s) => (s.mediaBytes * 8) / 1000 / window)),
    audioPacketsPerSecondPerSubscriber: spreadOf(subscribers.map((s) => s.audioPackets / window)),
    fpsPerTile: spreadOf(subscribers.map((s) => s.videoFrames / window / tilesShown)),
    layerShare: layerTotals.slice(0, layerCount).map((n) => (videoTotal === 0 ? 0 : n / videoTotal)),
    speakerAudioExpected,
    speakerAudioReceived,
    speakerAudioLossPercent:
      speakerAudioExpected === 0
        ? Number.NaN
        : (100 * (speakerAudioExpected - speakerAudioReceived)) / speakerAudioExpected,
    latencyMs: {
      p50: latency.percentileMs(0.5),
      p99: latency.percentileMs(0.99),
      p999: latency.percentileMs(0.999),
    },
    audioLatencyMs: { p50: audioLatency.percentileMs(0.5), p99: audioLatency.percentileMs(0.99) },
    publisherPacketsPerSecondByLayer: Array.from(
      { length: layerCount },
      (_, layer) => publishers.reduce((sum, p) => sum + (p.videoPacketsByLayer[layer] ?? 0), 0) / window,
    ),
    keyframeRequests: publishers.reduce((sum, p) => sum + p.keyframeRequests, 0),
    disconnects: bots.filter((b) => b.disconnected).length,
    maxTickLagMs: Math.max(...results.map((r) => r.maxTickLagMs)),
    settleSeconds: timeline.settleSeconds,
    windowLatePercent: timeline.windowLatePercent,
    timeline: timeline.buckets,
    loadAverage: sampled.loadAverage,
    receivedOutsideWindow: bots.reduce((sum, b) => sum + b.outsideWindow, 0),
    relayQueues: sampled.relayQueues,
  };
}

function ratiosOf(selective: Measurement, broadcast: Measurement): Ratios {
  return {
    topology: selective.topology,
    relayCpu: selective.relayCpuPercent / broadcast.relayCpuPercent,
    packetsPerSubscriber:
      selective.packetsPerSecondPerSubscriber.p50 / broadcast.packetsPerSecondPerSubscriber.p50,
    bytesPerSubscriber:
      selective.kilobitsPerSecondPerSubscriber.p50 / broadcast.kilobitsPerSecondPerSubscriber.p50,
    latencyP50: (selective.latencyMs.p50 ?? Number.NaN) / (broadcast.latencyMs.p50 ?? Number.NaN),
    latencyP99: (selective.latencyMs.p99 ?? Number.NaN) / (broadcast.latencyMs.p99 ?? Number.NaN),
    relayMemory:
      (selective.relayRssMiB.end - selective.relayRssMiB.start) /
      (broadcast.relayRssMiB.end - broadcast.relayRssMiB.start),
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

const fixed = (value: number | null, digits = 1) =>
  value === null || !Number.isFinite(value) ? "-" : value.toFixed(digits);
const spread = (s: Spread, digits = 0) =>
  `${fixed(s.p50, digits)} (${fixed(s.p10, digits)}–${fixed(s.p90, digits)})`;

function formatMeasurements(measurements: Measurement[], options: Options): string {
  const title =
    `${options.participants} participants: ${options.publishers} publishers (${options.speakers} speaking), ` +
    `${options.participants - options.publishers} subscribers; selective: ${options.tiles} tiles of ` +
    `${options.tileWidthPx}x${options.tileHeightPx}, last_n ${options.lastN}; ${options.windowSeconds} s window, ${options.transport}`;
  const header = [
    "mode / topology",
    "relay CPU",
    "relay MiB (start→joined→end→left)",
    "KiB/participant",
    "pkt/s per sub p50 (p10–p90)",
    "kbit/s per sub",
    "fps per tile",
    "speaker audio loss",
    "p50 ms",
    "p99 ms",
    "> 150 ms",
    "settled after s",
    "admit all s",
    "last join ms",
    "load avg",
  ];
  const rows = measurements.map((m) => [
    `${m.mode} / ${m.topology}`,
    `${m.relayCpuPercents.map((p) => p.toFixed(0)).join("+")} %${m.natsCpuPercent > 0 ? ` (+NATS ${m.natsCpuPercent.toFixed(0)} %)` : ""}`,
    [m.relayRssMiB.start, m.relayRssMiB.joined, m.relayRssMiB.end, m.relayRssMiB.afterLeave]
      .map((v) => v.toFixed(0))
      .join("→"),
    m.relayKiBPerParticipant.toFixed(1),
    spread(m.packetsPerSecondPerSubscriber),
    spread(m.kilobitsPerSecondPerSubscriber),
    spread(m.fpsPerTile, 1),
    `${fixed(m.speakerAudioLossPercent, 2)} %`,
    fixed(m.latencyMs.p50),
    fixed(m.latencyMs.p99),
    `${fixed(m.windowLatePercent, 2)} %`,
    Number.isNaN(m.settleSeconds) ? "never" : fixed(m.settleSeconds),
    fixed(m.admissionSeconds),
    fixed(m.lastJoinMs, 0),
    fixed(m.loadAverage),
  ]);
  return renderTable(title, header, rows);
}

function formatRatios(ratios: Ratios[]): string {
  const header = [
    "selective / broadcast",
    "relay CPU",
    "pkt per sub",
    "bytes per sub",
    "p50",
    "p99",
    "relay memory growth",
  ];
  const times = (r: number) => `${fixed(r, 2)} x`;
  const rows = ratios.map((r) => [
    r.topology,
    times(r.relayCpu),
    times(r.packetsPerSubscriber),
    times(r.bytesPerSubscriber),
    times(r.latencyP50),
    times(r.latencyP99),
    times(r.relayMemory),
  ]);
  return renderTable("Ratios (same run)", header, rows);
}

async function measureAll(
  options: Options,
  ticksPerSecond: number,
  createDatabase: DatabaseFactory,
  measurements: Measurement[],
): Promise<void> {
  for (const topology of options.topologies) {
    for (const mode of options.modes) {
      const m = await measure(mode, topology, options, ticksPerSecond, createDatabase);
      measurements.push(m);
      progress(
        `${mode}, ${topology}: relay ${m.relayCpuPercent.toFixed(0)} % CPU, ${m.packetsPerSecondPerSubscriber.p50.toFixed(0)} pkt/s per subscriber ` +
          `(audio ${m.audioPacketsPerSecondPerSubscriber.p50.toFixed(0)}), ` +
          `speaker audio loss ${fixed(m.speakerAudioLossPercent, 2)} %, p99 ${fixed(m.latencyMs.p99)} ms, load CPU ${m.loadCpuPercent.toFixed(0)} %, ` +
          `load average ${m.loadAverage}; relay queues sent ${m.relayQueues.packetsSent}, dropped ${m.relayQueues.packetsDropped}, ` +
          `holding ${m.relayQueues.queuedPackets}; ${m.receivedOutsideWindow} media packets arrived outside the window`,
      );
    }
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const ticksPerSecond = await clockTicksPerSecond();
  const measurements: Measurement[] = [];
  // PostgreSQL outside the relay when installed, so the relay's RSS is the relay's: PGlite's
  // WebAssembly memory grows with every row and its start-up garbage hides the joins' memory.
  const postgres = await startPostgres().catch((error: unknown) => {
    progress(`no PostgreSQL (${error instanceof Error ? error.message : error}): in-memory PGlite per relay`);
    return undefined;
  });
  try {
    await measureAll(options, ticksPerSecond, postgres && (() => postgres.createDatabase()), measurements);
  } finally {
    await postgres?.stop();
  }

  const ratios: Ratios[] = [];
  for (const topology of options.topologies) {
    const selective = measurements.find((m) => m.mode === "selective" && m.topology === topology);
    const broadcast = measurements.find((m) => m.mode === "broadcast" && m.topology === topology);
    if (selective && broadcast) ratios.push(ratiosOf(selective, broadcast));
  }
  console.log(formatMeasurements(measurements, options));
  if (ratios.length > 0) console.log(`\n${formatRatios(ratios)}`);
  await Deno.mkdir(new URL("../results/", import.meta.url), { recursive: true });
  await Deno.writeTextFile(
    options.outputPath,
    `${JSON.stringify({ options, measurements, ratios }, null, 2)}\n`,
  );
  console.log(`\nresults: ${options.outputPath}`);
}

const stopAndExit = async () => {
  await stopAllChildren();
  Deno.exit(130);
};
Deno.addSignalListener("SIGINT", stopAndExit);
Deno.addSignalListener("SIGTERM", stopAndExit);
try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  await stopAllChildren();
  Deno.exit(1);
}
Deno.exit(0);
