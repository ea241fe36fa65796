/**
 * Idle participants on one node: relay memory per participant and the time to admit them all.
 *
 *   deno run --config deno.json -A --unstable-net bench/large-meeting/idle.ts
 *     [--participants 10000] [--room-size 10] [--load-processes 4] [--join-concurrency 50]
 *     [--transport websocket] [--output f.json]
 *
 * A fresh server on a throwaway PostgreSQL (the embedded PGlite's memory grows with each join's
 * log rows and is not the relay's), one warm-up meeting joined and left, then the participants
 * join from `--load-processes` processes at once, in meetings of `--room-size`, and stay idle
 * (pongs only; the relay pings every 20 s). RSS is read from /proc before and once all are in;
 * the JS heap from /api/debug/rooms. The process's fd limit must allow the sockets (ulimit -n).
 */
import { parseArgs } from "node:util";
import type { RelayDebugSnapshot } from "../../packages/server/src/relay/relay.ts";
import { startPostgres } from "../../test/fixtures/postgres.ts";
import { startServer } from "../../test/fixtures/server.ts";
import { BenchChild } from "../relay/child-process.ts";
import { ROOT, rssBytesOf } from "./deployment.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    participants: { type: "string", default: "10000" },
    "room-size": { type: "string", default: "10" },
    "load-processes": { type: "string", default: "4" },
    "join-concurrency": { type: "string", default: "50" },
    transport: { type: "string", default: "websocket" },
    output: { type: "string" },
  },
  strict: true,
});
const participants = Number(values.participants);
const processes = Number(values["load-processes"]);
const roomSize = Number(values["room-size"]);
const outputPath =
  values.output ??
  `${ROOT}bench/results/large-meeting-idle-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
const JOIN_TIMEOUT_MS = 20 * 60_000;
const SETTLE_MS = 5000;
const MIB = 2 ** 20;

const fdLimit = Number(
  new TextDecoder()
    .decode((await new Deno.Command("bash", { args: ["-c", "ulimit -n"], stdout: "piped" }).output()).stdout)
    .trim(),
);
if (fdLimit < participants + 1000) {
  console.error(`the fd limit (ulimit -n = ${fdLimit}) is below ${participants + 1000}: raise it first`);
  Deno.exit(2);
}

const postgres = await startPostgres();
const started: BenchChild[] = [];
try {
  const server = await startServer({
    extraArgs: [
      ...["--database-url", await postgres.createDatabase()],
      ...["--max-connections-per-ip", "1000000", "--max-meetings", "1000000"],
      ...["--handshake-timeout-ms", "600000", "--heartbeat-timeout-ms", "60000"],
    ],
    env: { LOG_LEVEL: "warn" },
  });
  const debug = async () =>
    (await (await fetch(`${server.url}/api/debug/rooms`)).json()) as RelayDebugSnapshot;
  const spawn = (index: number, count: number) => {
    const child = new BenchChild(
      `idle-${index}`,
      [
        ...["run", "--config", "deno.json", "-A", "--unstable-net", "bench/large-meeting/idle-bots.ts"],
        ...[
          server.url,
          String(index),
          String(count),
          String(roomSize),
          values["join-concurrency"],
          values.transport,
        ],
      ],
      { cwd: ROOT, exitWithParent: false },
    );
    started.push(child);
    return child;
  };
  try {
    // Warm-up: compiled code and pools are not per participant.
    const warmUp = spawn(-1, 2 * roomSize);
    await warmUp.waitFor("joined", JOIN_TIMEOUT_MS);
    await warmUp.writeLine("leave");
    await warmUp.waitFor("result", 60_000);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const rssStart = rssBytesOf(server.pid);
    const heapStart = (await debug()).memory.heapUsed;
    const startedMs = performance.now();
    const shares = Array.from(
      { length: processes },
      (_, i) => Math.floor(participants / processes) + (i < participants % processes ? 1 : 0),
    );
    const children = shares.map((count, i) => spawn(i, count));
    await Promise.all(children.map((child) => child.waitFor("joined", JOIN_TIMEOUT_MS)));
    const admitSeconds = (performance.now() - startedMs) / 1000;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const rssJoined = rssBytesOf(server.pid);
    const snapshot = await debug();
    await Promise.all(children.map((child) => child.writeLine("leave")));
    const results = await Promise.all(children.map((child) => child.waitFor("result", 120_000)));
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const rssAfterLeave = rssBytesOf(server.pid);
    const figures = {
      participants,
      roomSize,
      transport: values.transport,
      connections: snapshot.connections,
      admitSeconds,
      joinMsMax: Math.max(...results.map((r) => Number((r.joinMs as { max: number }).max))),
      joinMsP50OfProcesses: results.map((r) => Number((r.joinMs as { p50: number }).p50)),
      disconnects: results.reduce((sum, r) => sum + Number(r.disconnects), 0),
      rssMiB: { start: rssStart / MIB, joined: rssJoined / MIB, afterLeave: rssAfterLeave / MIB },
      rssKiBPerParticipant: (rssJoined - rssStart) / 1024 / participants,
      heapKiBPerParticipant: (snapshot.memory.heapUsed - heapStart) / 1024 / participants,
      loadAverage: Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]),
    };
    console.log(
      `${participants} idle participants (meetings of ${roomSize}, ${values.transport}): admitted in ${admitSeconds.toFixed(1)} s ` +
        `(slowest join ${figures.joinMsMax.toFixed(0)} ms); relay RSS ${figures.rssMiB.start.toFixed(0)} → ` +
        `${figures.rssMiB.joined.toFixed(0)} MiB = ${figures.rssKiBPerParticipant.toFixed(1)} KiB per participant ` +
        `(JS heap ${figures.heapKiBPerParticipant.toFixed(1)} KiB); after all left ${figures.rssMiB.afterLeave.toFixed(0)} MiB`,
    );
    await Deno.mkdir(new URL("../results/", import.meta.url), { recursive: true });
    await Deno.writeTextFile(outputPath, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`results: ${outputPath}`);
  } finally {
    for (const child of started.reverse()) await child.stop();
    await server.stop();
  }
} finally {
  await postgres.stop();
}
Deno.exit(0);
