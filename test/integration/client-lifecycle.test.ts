/**
 * Lifecycles (issue 9 item 8): a client-library session that joins and leaves 200 times against a
 * real server leaves nothing behind. A child process (client-lifecycle-cycles.ts, with `--expose-gc`)
 * wraps the timer functions and EventTarget listeners before importing the client, and reports what
 * is live after 20 warm-up cycles and after the last; the server's open file descriptors are counted
 * before and after. On each transport.
 */
import { ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { joinMeeting } from "@videocall/client";
import { startServer } from "../fixtures/server.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CYCLES = 200;
/**
 * Heap growth allowed between the warm-up and the end, after forced collections: 2 MiB over 180
 * cycles is about 11 KiB a cycle, less than one leaked session with its transport, emitter and
 * roster; V8's own bookkeeping (code, feedback, the compiled paths warming) moves a few hundred KiB.
 */
const HEAP_GROWTH_LIMIT_BYTES = 2 * 1024 * 1024;
/** Descriptors the process may differ by at rest (a lazily opened file or epoll handle). */
const FD_SLACK = 2;

interface Sample {
  timers: number;
  listeners: number;
  listenersByType: Record<string, number>;
  heapUsedBytes: number;
  openFds: number;
}

const countFds = (pid: number) => [...Deno.readDirSync(`/proc/${pid}/fd`)].length;

for (const transport of ["websocket", "webtransport"] as const) {
  Deno.test(`${CYCLES} joins and leaves over ${transport} leave no timers, listeners, memory or descriptors behind`, {
    sanitizeOps: false,
    sanitizeResources: false,
  }, async () => {
    // One IP opens every connection here: lift the per-IP limit this test is not about.
    const server = await startServer({ extraArgs: ["--max-connections-per-ip", "10000"] });
    try {
      // Warm the server's embedded database first: PostgreSQL opens each table's and index's files on first
      // use and keeps them open (a bounded set), which is not a per-connection leak.
      for (let i = 0; i < 5; i++) {
        const session = await joinMeeting({
          serverUrl: server.url,
          username: `warm${i}`,
          meetingId: "lifecycle",
          transport,
          reconnect: false,
        });
        await session.leave();
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      const serverFdsBefore = countFds(server.pid);
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          ...["run", "--config", `${ROOT}deno.json`, "--unstable-net", "--v8-flags=--expose-gc", "-A"],
          `${ROOT}test/integration/client-lifecycle-cycles.ts`,
          ...[server.url, String(CYCLES), transport],
        ],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(output.stdout);
      ok(output.success, `the cycles failed:\n${stdout}\n${new TextDecoder().decode(output.stderr)}`);
      const report = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
        elapsedMs: number;
        warm: Sample;
        end: Sample;
      };
      // The server notices the last close asynchronously: give it a moment at rest.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const serverFdsAfter = countFds(server.pid);
      const { warm, end } = report;
      console.log(
        JSON.stringify({
          transport,
          cycles: CYCLES,
          msPerCycle: Math.round(report.elapsedMs / CYCLES),
          timers: [warm.timers, end.timers],
          listeners: [warm.listeners, end.listeners],
          heapKiB: [Math.round(warm.heapUsedBytes / 1024), Math.round(end.heapUsedBytes / 1024)],
          clientFds: [warm.openFds, end.openFds],
          serverFds: [serverFdsBefore, serverFdsAfter],
        }),
      );
      ok(end.timers <= warm.timers, `live timers grew from ${warm.timers} to ${end.timers}`);
      ok(
        end.listeners <= warm.listeners,
        `live listeners grew from ${warm.listeners} to ${end.listeners}: ${JSON.stringify(end.listenersByType)}`,
      );
      const growth = end.heapUsedBytes - warm.heapUsedBytes;
      ok(growth < HEAP_GROWTH_LIMIT_BYTES, `the heap grew by ${Math.round(growth / 1024)} KiB`);
      ok(
        end.openFds <= warm.openFds + FD_SLACK,
        `client descriptors grew from ${warm.openFds} to ${end.openFds}`,
      );
      // On WebTransport this also covers the /api/webtransport request each connect makes through
      // the TCP front (it once left one descriptor behind per join).
      ok(
        serverFdsAfter <= serverFdsBefore + FD_SLACK,
        `server descriptors grew from ${serverFdsBefore} to ${serverFdsAfter}`,
      );
    } finally {
      await server.stop();
    }
  });
}
