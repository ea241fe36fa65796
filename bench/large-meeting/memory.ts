/**
 * Relay memory per active participant, by transport, and what stays after everyone leaves:
 *
 *   deno run --config deno.json -A --unstable-net bench/large-meeting/memory.ts
 *     [--bots 30] [--meetings 3] [--hold-seconds 30] [--transports websocket,webtransport]
 *     [--server-env KEY=VALUE …] [--output f.json]
 *
 * Per transport, a fresh server on a throwaway PostgreSQL (so the embedded PGlite's WebAssembly
 * memory, which grows with every row and never shrinks, is not counted as the relay's): one warm-up
 * join and leave (code paths compiled, pools made), then `--bots` bots in `--meetings` meetings,
 * one publisher each (500 kbps camera + audio), held `--hold-seconds`, then everyone leaves.
 * Server memory (RSS from /proc; JS heap and external from Deno.memoryUsage() via
 * /api/debug/rooms) is read at the start, once everyone has joined, at the end of the hold, and
 * 5 s after the last leave.
 */
import { parseArgs } from "node:util";
import { mediaAtBitrate, runLoad, type SyntheticMedia } from "../../packages/cli/src/load/mod.ts";
import type { RelayDebugSnapshot } from "../../packages/server/src/relay/relay.ts";
import { startPostgres } from "../../test/fixtures/postgres.ts";
import { startServer, type TestServer } from "../../test/fixtures/server.ts";
import { ROOT, rssBytesOf } from "./deployment.ts";

type Transport = "websocket" | "webtransport";

interface MemoryPoint {
  rssMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  connections: number;
  timers: number;
}

export interface TransportMemory {
  transport: Transport;
  bots: number;
  holdSeconds: number;
  start: MemoryPoint;
  joined: MemoryPoint;
  held: MemoryPoint;
  afterLeave: MemoryPoint;
  /** (held − start) / bots. */
  rssKiBPerParticipant: number;
  heapKiBPerParticipant: number;
  /** afterLeave RSS / start RSS − 1, in %. */
  rssLeftAfterLeavePercent: number;
  lostDeliveries: number;
  expectedDeliveries: number;
}

const SETTLE_MS = 5000;
const HELD_BEFORE_END_MS = 500;
const MIB = 2 ** 20;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    bots: { type: "string", default: "30" },
    meetings: { type: "string", default: "3" },
    "hold-seconds": { type: "string", default: "30" },
    /** 0: idle bots (no media), to tell per-session memory from memory that grows with traffic. */
    "publishers-per-meeting": { type: "string", default: "1" },
    /** audio, video or both (default): which traffic the memory grows with. */
    media: { type: "string", default: "both" },
    transports: { type: "string", default: "websocket,webtransport" },
    output: { type: "string" },
    /** KEY=VALUE for the server's environment, e.g. MALLOC_ARENA_MAX=2; repeatable. */
    "server-env": { type: "string", multiple: true },
  },
  strict: true,
});
const serverEnv = Object.fromEntries(
  (values["server-env"] ?? []).map((pair) => [
    pair.slice(0, pair.indexOf("=")),
    pair.slice(pair.indexOf("=") + 1),
  ]),
);
const bots = Number(values.bots);
const meetings = Number(values.meetings);
const holdSeconds = Number(values["hold-seconds"]);
const transports = values.transports.split(",") as Transport[];
const outputPath =
  values.output ??
  `${ROOT}bench/results/large-meeting-memory-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;

/** A 500 kbps camera and a microphone; "audio" or "video" alone sends one packet of the other at the start. */
function mediaOf(which: string): SyntheticMedia {
  const media = mediaAtBitrate(500, 30);
  const almostNever = 0.001;
  if (which === "audio") return { ...media, videoFramesPerSecond: almostNever };
  if (which === "video") return { ...media, audioPacketsPerSecond: almostNever };
  return media;
}

async function point(server: TestServer): Promise<MemoryPoint> {
  const debug = (await (await fetch(`${server.url}/api/debug/rooms`)).json()) as RelayDebugSnapshot;
  return {
    rssMiB: rssBytesOf(server.pid) / MIB,
    heapUsedMiB: debug.memory.heapUsed / MIB,
    externalMiB: debug.memory.external / MIB,
    connections: debug.connections,
    timers: debug.timers,
  };
}

function load(
  server: TestServer,
  transport: Transport,
  participants: number,
  seconds: number,
  onPhase?: (phase: string) => void,
) {
  return runLoad({
    serverUrls: [server.url],
    participants,
    roomSize: Math.ceil(participants / meetings),
    publishersPerRoom: Number(values["publishers-per-meeting"]),
    meetingIdOf: (room) => `memory-${transport}-${room}`,
    usernameOf: (index) => `bot-${index}`,
    transport,
    media: mediaOf(values.media),
    warmupSeconds: 1,
    windowSeconds: seconds,
    drainSeconds: 2,
    joinConcurrency: 10,
    connectTimeoutMs: 30_000,
    ...(onPhase ? { onPhase } : {}),
    onDisconnect: (index, code, reason) =>
      console.error(`[memory] bot ${index} disconnected: ${code} ${reason}`),
  });
}

async function measureTransport(transport: Transport, databaseUrl: string): Promise<TransportMemory> {
  const server = await startServer({
    extraArgs: [
      "--database-url",
      databaseUrl,
      "--max-connections-per-ip",
      "10000",
      "--heartbeat-timeout-ms",
      "600000",
    ],
    env: { LOG_LEVEL: "warn", ...serverEnv },
  });
  try {
    // Warm-up: one meeting joined and left, so compiled code and pools are not counted per participant.
    await load(server, transport, 3, 1);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const start = await point(server);
    let joined: Promise<MemoryPoint> | undefined;
    let held: Promise<MemoryPoint> | undefined;
    const result = await load(server, transport, bots, holdSeconds, (phase) => {
      if (phase === "connected") joined = point(server);
      // Just before the window closes (the bots leave soon after it).
      if (phase === "measuring")
        held = new Promise((resolve) => setTimeout(resolve, holdSeconds * 1000 - HELD_BEFORE_END_MS)).then(
          () => point(server),
        );
    });
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const afterLeave = await point(server);
    const [joinedPoint, heldPoint] = [
      await (joined as Promise<MemoryPoint>),
      await (held as Promise<MemoryPoint>),
    ];
    return {
      transport,
      bots,
      holdSeconds,
      start,
      joined: joinedPoint,
      held: heldPoint,
      afterLeave,
      rssKiBPerParticipant: ((heldPoint.rssMiB - start.rssMiB) * 1024) / bots,
      heapKiBPerParticipant: ((heldPoint.heapUsedMiB - start.heapUsedMiB) * 1024) / bots,
      rssLeftAfterLeavePercent: 100 * (afterLeave.rssMiB / start.rssMiB - 1),
      lostDeliveries: result.lostDeliveries,
      expectedDeliveries: result.expectedDeliveries,
    };
  } finally {
    await server.stop();
  }
}

const postgres = await startPostgres();
const results: TransportMemory[] = [];
try {
  for (const transport of transports) {
    const figures = await measureTransport(transport, await postgres.createDatabase());
    results.push(figures);
    console.error(`[memory] ${transport}: ${JSON.stringify(figures)}`);
  }
} finally {
  await postgres.stop();
}
const f = (value: number, digits = 1) => value.toFixed(digits);
console.log(
  `${bots} bots in ${meetings} meetings, one publisher each, held ${holdSeconds} s` +
    `${Object.keys(serverEnv).length > 0 ? `, server env ${JSON.stringify(serverEnv)}` : ""}; server RSS (JS heap) in MiB\n` +
    "transport     start         joined        held          after leave   RSS KiB/participant  heap KiB/participant  left after leave",
);
for (const r of results) {
  const cell = (p: MemoryPoint) => `${f(p.rssMiB)} (${f(p.heapUsedMiB)})`.padEnd(14);
  console.log(
    `${r.transport.padEnd(14)}${cell(r.start)}${cell(r.joined)}${cell(r.held)}${cell(r.afterLeave)}` +
      `${f(r.rssKiBPerParticipant, 0).padStart(19)}  ${f(r.heapKiBPerParticipant, 0).padStart(20)}  ${f(r.rssLeftAfterLeavePercent).padStart(14)} %`,
  );
}
await Deno.mkdir(new URL("../results/", import.meta.url), { recursive: true });
await Deno.writeTextFile(outputPath, `${JSON.stringify({ results }, null, 2)}\n`);
console.log(`results: ${outputPath}`);
Deno.exit(0);
