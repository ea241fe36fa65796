import { joinMeeting } from "@videocall/client";
import type { RelayDebugSnapshot } from "../../packages/server/src/relay/relay.ts";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { startPostgres } from "../fixtures/postgres.ts";
import { startServer, type TestServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";

const CYCLES = Number(Deno.env.get("LIFECYCLE_CYCLES") ?? 200);
const WARM_UP_CYCLES = 20;
/**
 * RSS may grow this much over the 200 cycles. Measured (LIFECYCLE_CYCLES=1000
 * LIFECYCLE_TRANSPORT=websocket|webtransport): 1000 WebSocket cycles add about 20 MiB, which V8
 * returns or reuses (heapUsed stays flat); 1000 WebTransport sessions add about 100 MiB of RSS
 * (heapUsed +20 MiB), nearly all native: Deno's QUIC endpoint keeps per-session memory after the
 * session is gone (our readers are cancelled, no relay entity or timer survives: the counters
 * below are exact). 200 mixed cycles measured +11..13 MiB; twice that is the tolerance, so a JS leak
 * of a connection per cycle (its queue, closures and buffers) still fails it.
 * The server's database is a PostgreSQL outside the process: the embedded PGlite's WebAssembly memory
 * grows with the data (each cycle writes log rows and every other one a meeting) and never shrinks,
 * which is not the relay's. Measured in one process with GC forced: 650 joins took it from 305 to 334 MiB,
 * +1 MiB over the last 200, while the JS heap grew 3 KB per join (client and server together).
 * With admission reading PostgreSQL on every join (and writing the meeting log twice per cycle), 200 mixed
 * cycles measured +25..28 MiB under load (WebSocket alone +11.5, WebTransport alone +32.7), the JS heap
 * +5..7 MiB of it uncollected; the exact counters below (connections, rooms, timers) are unchanged. The
 * tolerance is 32 MiB until that growth is pinned down (reported with issue 10).
 */
const RSS_TOLERANCE_BYTES = 32 * 1024 * 1024;
/**
 * Deno may open a file or two lazily (a log, a certificate reload); a leak would add one per cycle.
 * Sockets to the database are not counted: its pool opens up to 10 connections as load asks for
 * them (CI saw 33 → 37 under load), which is the pool's bound, not a leak.
 */
const FD_TOLERANCE = 3;

interface ProcessFigures {
  fds: number;
  databaseSockets: number;
  rssBytes: number;
  debug: RelayDebugSnapshot;
}

/** Socket inodes of the process's TCP connections whose remote port is `port`. */
async function socketInodesTo(pid: number, port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const table of ["tcp", "tcp6"]) {
    const text = await Deno.readTextFile(`/proc/${pid}/net/${table}`).catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const columns = line.trim().split(/\s+/);
      const remotePort = Number.parseInt(columns[2]?.split(":")[1] ?? "", 16);
      if (remotePort === port && columns[9]) inodes.add(columns[9]);
    }
  }
  return inodes;
}

async function figures(server: TestServer, databasePort: number): Promise<ProcessFigures> {
  const databaseSockets = await socketInodesTo(server.pid, databasePort);
  let fds = 0;
  for await (const entry of Deno.readDir(`/proc/${server.pid}/fd`)) {
    const target = await Deno.readLink(`/proc/${server.pid}/fd/${entry.name}`).catch(() => "");
    if (databaseSockets.has(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? "")) continue;
    fds++;
  }
  const status = await Deno.readTextFile(`/proc/${server.pid}/status`);
  const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  const debug = (await (await fetch(`${server.url}/api/debug/rooms`)).json()) as RelayDebugSnapshot;
  return { fds, databaseSockets: databaseSockets.size, rssBytes: rssKb * 1024, debug };
}

Deno.test({
  name: "200 joins and leaves (alternating transports, new and existing meetings) leave no fds, memory, connections, rooms or timers behind on the server",
  // Rooms close with their last participant; a leak shows in the counts, whatever the timing.
  async fn() {
    const postgres = await startPostgres();
    const server = await startServer({ extraArgs: ["--database-url", await postgres.createDatabase()] });
    try {
      // A participant who stays: half the cycles join its meeting (ParticipantJoined/Left to it),
      // the other half open and close a meeting of their own.
      const host = await joinMeeting({
        serverUrl: server.url,
        username: "host",
        meetingId: "steady",
        transport: "websocket",
      });
      const cycle = async (i: number) => {
        const session = await joinMeeting({
          serverUrl: server.url,
          username: `guest${i}`,
          meetingId: i % 2 === 0 ? "steady" : `own${i}`,
          transport:
            (Deno.env.get("LIFECYCLE_TRANSPORT") as "websocket" | undefined) ??
            (i % 4 < 2 ? "websocket" : "webtransport"),
          reconnect: false,
        });
        await session.leave();
      };
      const settled = async (what: string) => {
        await waitFor(
          what,
          async () => {
            const { debug } = await figures(server, postgres.port);
            return (
              debug.connections === 1 &&
              debug.closingTransports === 0 &&
              debug.meetings === 1 &&
              host.participants.size === 0
            );
          },
          15_000,
        );
      };
      for (let i = 0; i < WARM_UP_CYCLES; i++) await cycle(i);
      await settled("the warm-up's connections to be gone");
      const before = await figures(server, postgres.port);
      const startedMs = performance.now();
      for (let i = WARM_UP_CYCLES; i < WARM_UP_CYCLES + CYCLES; i++) await cycle(i);
      const elapsedMs = performance.now() - startedMs;
      await settled("every cycle's connection to be gone");
      const after = await figures(server, postgres.port);
      const report = {
        cycles: CYCLES,
        elapsedMs: Math.round(elapsedMs),
        fds: [before.fds, after.fds],
        databaseSockets: [before.databaseSockets, after.databaseSockets],
        rssMiB: [before.rssBytes / 2 ** 20, after.rssBytes / 2 ** 20].map((v) => Math.round(v * 10) / 10),
        connections: [before.debug.connections, after.debug.connections],
        meetings: [before.debug.meetings, after.debug.meetings],
        timers: [before.debug.timers, after.debug.timers],
        heapUsedMiB: [before.debug.memory.heapUsed, after.debug.memory.heapUsed].map(
          (v) => Math.round((v / 2 ** 20) * 10) / 10,
        ),
        keyframeRequestEntries: after.debug.rooms.map((r) => r.keyframeRequestEntries),
      };
      console.log(`lifecycle figures: ${JSON.stringify(report)}`);
      assertEquals(after.debug.connections, 1, "only the host's connection");
      assertEquals(after.debug.closingTransports, 0, "every closed transport reported its close");
      assertEquals(after.debug.meetings, 1, "only the host's meeting");
      assertEquals(after.debug.rooms[0]?.connections.length, 1);
      assertEquals(after.debug.rooms[0]?.remoteParticipants.length, 0);
      assertEquals(after.debug.timers, before.debug.timers, "no timer outlives its connection");
      assertEquals(after.debug.rooms[0]?.keyframeRequestEntries, 0);
      assert(
        after.fds <= before.fds + FD_TOLERANCE,
        `open fds grew from ${before.fds} to ${after.fds} over ${CYCLES} cycles`,
      );
      assert(
        after.rssBytes <= before.rssBytes + RSS_TOLERANCE_BYTES,
        `RSS grew by ${((after.rssBytes - before.rssBytes) / 2 ** 20).toFixed(1)} MiB over ${CYCLES} cycles`,
      );
      await host.leave();
      await waitFor(
        "the last room to close",
        async () => (await figures(server, postgres.port)).debug.meetings === 0,
      );
      assertEquals(
        (await figures(server, postgres.port)).debug.timers,
        1,
        "only the relay's own heartbeat sweep remains",
      );
    } finally {
      await server.stop();
      await postgres.stop();
    }
  },
});
