/**
 * "auto" joins start with the transport remembered for the server, and a network that drops QUIC
 * does not make a join wait for WebTransport's timeout. Real server; the UDP black hole stands in
 * for a network that blocks QUIC (the server advertises it as its WebTransport port).
 */
import { inMemoryTransportMemory, joinMeeting, LeaveReason, transportMemoryOrigin } from "@videocall/client";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { startServer, type TestServer } from "../fixtures/server.ts";
import { delay, waitFor } from "../fixtures/wait.ts";

/** The client's WebTransport connect timeout (connect.ts DEFAULT_TIMEOUT_MS): a join must not wait for it. */
const WEBTRANSPORT_TIMEOUT_MS = 10_000;

async function withBlackHoledWebTransport(run: (server: TestServer) => Promise<void>): Promise<void> {
  const blackHole = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const drain = (async () => {
    try {
      for await (const _ of blackHole) {
        // dropped, as a network that blocks QUIC drops it
      }
    } catch {
      // closed
    }
  })();
  const port = (blackHole.addr as Deno.NetAddr).port;
  const server = await startServer({ extraArgs: ["--webtransport-public-port", String(port)] });
  try {
    await run(server);
  } finally {
    await server.stop();
    blackHole.close();
    await drain;
  }
}

async function timedJoin(options: Parameters<typeof joinMeeting>[0]) {
  const startedMs = performance.now();
  const session = await joinMeeting({ reconnect: false, ...options });
  return { session, joinMs: performance.now() - startedMs };
}

Deno.test({
  name: "with QUIC dropped, a first join falls back to WebSocket at once and the next starts with it",
  // The losing WebTransport attempt runs on in the background until its own timeout.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withBlackHoledWebTransport(async (server) => {
      const memory = inMemoryTransportMemory();
      const origin = transportMemoryOrigin(server.url);
      const base = { serverUrl: server.url, meetingId: "udp-blocked", transportMemory: memory };

      const first = await timedJoin({ ...base, username: "alice" });
      assertEquals(first.session.transportKind, "websocket");
      assert(
        first.joinMs < WEBTRANSPORT_TIMEOUT_MS / 4,
        `the first join took ${first.joinMs.toFixed(0)} ms: it waited for WebTransport`,
      );
      assertEquals(memory.recall(origin), "websocket", "the winner is remembered for the server");

      // Remembered: WebSocket starts at once, whatever head start WebTransport would otherwise get.
      const second = await timedJoin({
        ...base,
        username: "bob",
        firstVisitHeadStartMs: 5000,
        webTransportHeadStartMs: 5000,
      });
      assertEquals(second.session.transportKind, "websocket");
      assert(
        second.joinMs < 4000,
        `the second join took ${second.joinMs.toFixed(0)} ms: WebSocket waited for a head start it was not owed`,
      );
      await first.session.leave();
      await second.session.leave();
    }),
});

Deno.test({
  name: "a remembered WebTransport is tried first: WebSocket waits its head start, then wins and is remembered",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withBlackHoledWebTransport(async (server) => {
      const memory = inMemoryTransportMemory();
      const origin = transportMemoryOrigin(server.url);
      memory.remember(origin, "webtransport");
      const headStartMs = 1500;
      const { session, joinMs } = await timedJoin({
        serverUrl: server.url,
        meetingId: "remembered",
        username: "alice",
        transportMemory: memory,
        webTransportHeadStartMs: headStartMs,
        firstVisitHeadStartMs: 0,
      });
      assertEquals(session.transportKind, "websocket");
      assert(
        joinMs >= headStartMs,
        `joined in ${joinMs.toFixed(0)} ms: WebSocket did not wait for WebTransport`,
      );
      assertEquals(memory.recall(origin), "websocket");
      await session.leave();
    }),
});

Deno.test({
  name: "WebSocket remembered where WebTransport works: the WebTransport handshake is learned, with no ghost",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const server = await startServer();
    try {
      const memory = inMemoryTransportMemory();
      const origin = transportMemoryOrigin(server.url);
      const bob = await joinMeeting({
        serverUrl: server.url,
        username: "bob",
        meetingId: "learn",
        transport: "websocket",
        reconnect: false,
      });
      const seen: string[] = [];
      bob.events.on("participantJoined", (p) => seen.push(`joined ${p.username}`));
      bob.events.on("participantLeft", (p, reason) => seen.push(`left ${p.username} ${LeaveReason[reason]}`));

      memory.remember(origin, "websocket");
      const alice = await joinMeeting({
        serverUrl: server.url,
        username: "alice",
        meetingId: "learn",
        transportMemory: memory,
        reconnect: false,
      });
      // Whichever won, WebTransport's handshake worked: the next join starts with it.
      await waitFor("WebTransport to be remembered", () => memory.recall(origin) === "webtransport", 10_000);
      await delay(500);
      assertEquals(seen, ["joined alice"], "alice joined once, and the losing transport never joined");
      const metrics = await server.metrics();
      const connections = [...metrics.matchAll(/^videocall_connections\{transport="(\w+)"\} (\d+)/gm)].map(
        (m) => `${m[1]}=${m[2]}`,
      );
      assertEquals(
        connections.sort(),
        [
          `webtransport=${alice.transportKind === "webtransport" ? 1 : 0}`,
          `websocket=${alice.transportKind === "websocket" ? 2 : 1}`,
        ].sort(),
      );

      // And it does: WebTransport first (a long head start keeps WebSocket out of it).
      const carol = await joinMeeting({
        serverUrl: server.url,
        username: "carol",
        meetingId: "learn",
        transportMemory: memory,
        webTransportHeadStartMs: 30_000,
        reconnect: false,
      });
      assertEquals(carol.transportKind, "webtransport");
      for (const session of [alice, bob, carol]) await session.leave();
    } finally {
      await server.stop();
    }
  },
});
