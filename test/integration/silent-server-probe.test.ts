/**
 * A WebTransport client sees a killed server only as silence (QUIC has no RST). After 800 ms of it
 * the session asks the node's HTTP port: a refused connection (the process is gone) gives up at once;
 * a frozen or busy process (the kernel still accepts, nobody answers) is waited for, so a loaded
 * machine makes no false reconnect. Real server process, stopped with SIGSTOP or killed with SIGKILL.
 */
import { joinMeeting } from "@videocall/client";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { startServer } from "../fixtures/server.ts";
import { delay, waitFor } from "../fixtures/wait.ts";

const OPTIONS = { sanitizeOps: false, sanitizeResources: false };

/** Alice over WebTransport, with the reason of every reconnect her session starts. */
async function joinRecordingReconnects(serverUrl: string, meetingId: string) {
  const session = await joinMeeting({ serverUrl, username: "alice", meetingId, transport: "webtransport" });
  const reasons: string[] = [];
  session.events.on("reconnecting", (_attempt, _delayMs, reason) => reasons.push(reason));
  return { session, reasons };
}

Deno.test({
  name: "a server frozen for 1 s (it accepts, nobody answers) is waited for: no reconnect",
  ...OPTIONS,
  fn: async () => {
    const server = await startServer();
    try {
      const { session, reasons: reconnects } = await joinRecordingReconnects(server.url, "frozen");
      await delay(600); // a pong or two first
      Deno.kill(server.pid, "SIGSTOP");
      await delay(1000);
      Deno.kill(server.pid, "SIGCONT");
      await delay(1500);
      assertEquals(reconnects, [], "a live process that was slow to answer is not given up");
      assertEquals(session.stats().reconnects, 0);
      await session.leave();
    } finally {
      try {
        Deno.kill(server.pid, "SIGCONT");
      } catch {
        // already gone
      }
      await server.stop();
    }
  },
});

Deno.test({
  name: "a killed server is given up on the probe's refused connection, before the 2 s silence limit",
  ...OPTIONS,
  fn: async () => {
    const server = await startServer();
    try {
      const { session, reasons } = await joinRecordingReconnects(server.url, "killed");
      await delay(600);
      const killedAtMs = performance.now();
      await server.kill("SIGKILL");
      await waitFor("the session to notice", () => reasons.length > 0, 10_000);
      const noticedAfterMs = performance.now() - killedAtMs;
      assert(
        reasons[0]?.includes("refuses connections"),
        `given up by the probe, not the silence limit: "${reasons[0]}" after ${noticedAfterMs.toFixed(0)} ms`,
      );
      await session.leave();
    } finally {
      await server.stop().catch(() => {});
    }
  },
});
