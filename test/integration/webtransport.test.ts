import {
  Codec,
  joinMeeting,
  LeaveReason,
  type Media,
  MediaKind,
  type MeetingSession,
} from "@videocall/client";
import { encodePacket, frameOnStream } from "@videocall/protocol";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { metricValue, startServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";
import { openRawSession, openRawWebTransport } from "../fixtures/webtransport-raw.ts";

function collectMedia(session: MeetingSession): Media[] {
  const received: Media[] = [];
  session.events.on("media", (_from, media) => received.push(media));
  return received;
}

function sendBurst(session: MeetingSession, count: number): void {
  for (let i = 0; i < count; i++) {
    session.sendFrame(1, { keyframe: false, captureTimeUs: Date.now() * 1000, payload: new Uint8Array(120) });
    session.sendFrame(2, {
      keyframe: i === 0,
      captureTimeUs: Date.now() * 1000,
      payload: new Uint8Array(4000),
    });
  }
}

Deno.test("a WebTransport participant and a WebSocket participant share a call; audio rides datagrams", async () => {
  const server = await startServer();
  try {
    const alice = await joinMeeting({ serverUrl: server.url, username: "alice", meetingId: "mixed" });
    const bob = await joinMeeting({
      serverUrl: server.url,
      username: "bob",
      meetingId: "mixed",
      transport: "websocket",
    });
    assertEquals(alice.transportKind, "webtransport", "auto picks WebTransport when it works");
    assertEquals(bob.transportKind, "websocket");
    await waitFor("alice to see bob", () => alice.participants.size === 1);
    const toAlice = collectMedia(alice);
    const toBob = collectMedia(bob);
    for (const session of [alice, bob]) {
      session.publishTrack({ trackId: 1, kind: MediaKind.AUDIO, codec: Codec.OPUS });
      session.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 });
    }
    sendBurst(alice, 20);
    sendBurst(bob, 20);
    // Datagrams may be dropped by design; on loopback nearly all arrive. Video on the stream is reliable.
    await waitFor(
      "video both ways",
      () =>
        toAlice.filter((m) => m.kind === MediaKind.VIDEO).length === 20 &&
        toBob.filter((m) => m.kind === MediaKind.VIDEO).length === 20,
    );
    await waitFor(
      "audio both ways",
      () =>
        toAlice.filter((m) => m.kind === MediaKind.AUDIO).length >= 15 &&
        toBob.filter((m) => m.kind === MediaKind.AUDIO).length >= 15,
    );
    const metrics = await server.metrics();
    assertEquals(metricValue(metrics, "videocall_connections", { transport: "webtransport" }), 1);
    assertEquals(metricValue(metrics, "videocall_connections", { transport: "websocket" }), 1);
    assert(metricValue(metrics, "videocall_packets_in_total", { transport: "webtransport" }) >= 40);
    await alice.leave();
    await bob.leave();
  } finally {
    await server.stop();
  }
});

Deno.test("bad input over WebTransport closes only that session, with a code and a reason", async () => {
  const server = await startServer();
  try {
    const alice = await joinMeeting({ serverUrl: server.url, username: "alice", meetingId: "wtbad" });
    const bob = await joinMeeting({
      serverUrl: server.url,
      username: "bob",
      meetingId: "wtbad",
      transport: "websocket",
    });
    await waitFor("alice to see bob", () => alice.participants.size === 1);
    const cases: Array<{
      name: string;
      send: (raw: Awaited<ReturnType<typeof openRawWebTransport>>) => Promise<void>;
      code: number;
      reason: RegExp;
      metric: string;
    }> = [
      {
        name: "malformed packet on the stream",
        send: (raw) => raw.writer.write(frameOnStream(new Uint8Array([0x12, 0x40, 0x01]))),
        code: 1007,
        reason: /malformed packet/,
        metric: "malformed",
      },
      {
        name: "oversized frame declared on the stream",
        // A length prefix of 64 MiB: refused before anything is buffered.
        send: (raw) => raw.writer.write(new Uint8Array([0x84, 0x00, 0x00, 0x00, 1, 2, 3])),
        code: 1009,
        reason: /exceeds the 1048576-byte limit/,
        metric: "oversized",
      },
      {
        name: "garbage in a full-size datagram",
        send: async (raw) => {
          await raw.writer.write(frameOnStream(encodePacket({ body: { case: "ping", value: {} } })));
          await raw.datagrams.write(new Uint8Array(1000).fill(0xff));
        },
        code: 1007,
        reason: /malformed packet/,
        metric: "malformed",
      },
    ];
    for (const badInput of cases) {
      const before = metricValue(await server.metrics(), "videocall_bad_input_total", {
        reason: badInput.metric,
      });
      const raw = await openRawWebTransport(server.url, "/lobby/mallory/wtbad");
      // The server may close the session before a write completes; that write then fails, as it should.
      await badInput.send(raw).catch(() => {});
      const closed = await raw.closed;
      assertEquals(closed.closeCode, badInput.code, badInput.name);
      assert(badInput.reason.test(closed.reason), `${badInput.name}: reason "${closed.reason}"`);
      const after = metricValue(await server.metrics(), "videocall_bad_input_total", {
        reason: badInput.metric,
      });
      assertEquals(after, before + 1, `${badInput.name} counted once`);
    }
    // A path that is not a lobby is refused too.
    // (The server may close it before a stream could be opened, so only wait for the close.)
    const lost = await openRawSession(server.url, "/nowhere");
    assertEquals((await lost.closed).closeCode, 404);

    // Alice and Bob were never disturbed.
    const toBob = collectMedia(bob);
    alice.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 });
    alice.sendFrame(2, { keyframe: true, captureTimeUs: Date.now() * 1000, payload: new Uint8Array(500) });
    await waitFor("bob to still receive alice", () => toBob.length === 1);
    assertEquals(alice.isClosed || alice.isReconnecting || bob.isClosed, false);
    await alice.leave();
    await bob.leave();
  } finally {
    await server.stop();
  }
});

Deno.test("when the WebTransport port does not answer, the client joins over WebSocket", async () => {
  // A UDP socket that swallows everything: like a network that blocks QUIC.
  const blackHole = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const blackHolePort = (blackHole.addr as Deno.NetAddr).port;
  const drain = (async () => {
    try {
      for await (const _ of blackHole) {
        // dropped
      }
    } catch {
      // closed
    }
  })();
  const server = await startServer({ extraArgs: ["--webtransport-public-port", String(blackHolePort)] });
  try {
    const startedMs = performance.now();
    const alice = await joinMeeting({ serverUrl: server.url, username: "alice", meetingId: "udp-blocked" });
    const joinMs = performance.now() - startedMs;
    assertEquals(alice.transportKind, "websocket");
    assert(
      joinMs < 3000,
      `joined in ${joinMs.toFixed(0)} ms; the WebSocket attempt must not wait for WebTransport to time out`,
    );
    await alice.leave();
  } finally {
    await server.stop();
    blackHole.close();
    await drain;
  }
});

Deno.test("clients reconnect by themselves when the server goes away and comes back", async () => {
  let server = await startServer();
  const port = server.port;
  try {
    const alice = await joinMeeting({ serverUrl: server.url, username: "alice", meetingId: "phoenix" });
    const bob = await joinMeeting({
      serverUrl: server.url,
      username: "bob",
      meetingId: "phoenix",
      transport: "websocket",
    });
    await waitFor("alice to see bob", () => alice.participants.size === 1);
    const firstSessions = [alice.sessionId, bob.sessionId];
    let aliceReconnected = false;
    alice.events.on("reconnected", () => {
      aliceReconnected = true;
    });
    await server.stop();
    server = await startServer({ port });
    await waitFor(
      "both to reconnect",
      () => aliceReconnected && !alice.isReconnecting && !bob.isReconnecting && bob.stats().reconnects >= 1,
      15_000,
    ).catch((error) => {
      const state = (s: MeetingSession) =>
        JSON.stringify({ reconnecting: s.isReconnecting, closed: s.isClosed, ...s.stats() });
      throw new Error(`${error.message}: alice ${state(alice)} bob ${state(bob)}`);
    });
    await waitFor(
      "them to see each other again",
      () => alice.participants.size === 1 && bob.participants.size === 1,
      5000,
    );
    assert(alice.sessionId !== firstSessions[0], "a new session id after the reconnect");
    assertEquals([...alice.participants.values()][0]?.username, "bob");
    const toBob = collectMedia(bob);
    alice.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 });
    alice.sendFrame(2, { keyframe: true, captureTimeUs: Date.now() * 1000, payload: new Uint8Array(500) });
    await waitFor("media to flow again", () => toBob.length === 1);
    await alice.leave();
    await bob.leave();
  } finally {
    await server.stop();
  }
});

Deno.test("a WebTransport participant who leaves is announced at once, not at the heartbeat timeout", async () => {
  const server = await startServer();
  try {
    const alice = await joinMeeting({
      serverUrl: server.url,
      username: "alice",
      meetingId: "bye",
      transport: "websocket",
    });
    const bob = await joinMeeting({
      serverUrl: server.url,
      username: "bob",
      meetingId: "bye",
      transport: "webtransport",
    });
    await waitFor("alice to see bob", () => alice.participants.size === 1);
    const left: LeaveReason[] = [];
    alice.events.on("participantLeft", (_p, reason) => left.push(reason));
    const leftAtMs = performance.now();
    await bob.leave();
    await waitFor("alice to see bob leave", () => left.length === 1, 2000);
    assertEquals(left, [LeaveReason.LEFT]);
    console.log(`leave seen after ${Math.round(performance.now() - leftAtMs)} ms`);
    await alice.leave();
  } finally {
    await server.stop();
  }
});
