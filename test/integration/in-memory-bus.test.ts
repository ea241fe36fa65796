import { Codec, joinMeeting, type LeaveReason, MediaKind } from "@videocall/client";
import { InMemoryBusHub, startServer } from "@videocall/server";
import { openDatabase } from "../../packages/server/src/db/open-database.ts";
import { assertEquals } from "../fixtures/assert.ts";
import { freshDataDir, removeDataDir } from "../fixtures/pglite-data-dir.ts";
import { waitFor } from "../fixtures/wait.ts";

// Two relay nodes in one process, linked by the in-memory bus: the shape the NATS bus will fill.
Deno.test("one meeting spans two nodes sharing a bus: presence, media and key frame requests cross it", async () => {
  const hub = new InMemoryBusHub();
  // Both nodes share one database, as nodes share one PostgreSQL in production.
  const dataDir = await freshDataDir();
  const database = openDatabase({ backend: "pglite", dataDir });
  const config = {
    hostname: "127.0.0.1",
    port: 0,
    webRoot: "/nonexistent",
    heartbeatTimeoutMs: 15_000,
    database,
  };
  const nodeA = await startServer({ ...config, bus: hub.node("a") });
  const nodeB = await startServer({ ...config, bus: hub.node("b") });
  try {
    const alice = await joinMeeting({ serverUrl: nodeA.url, username: "alice", meetingId: "span" });
    alice.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const bob = await joinMeeting({ serverUrl: nodeB.url, username: "bob", meetingId: "span" });
    // Node B learns about alice from node A's answer to its roster request.
    await waitFor("bob to see alice across nodes", () => bob.participants.size === 1);
    await waitFor("alice to see bob", () => alice.participants.size === 1);
    assertEquals(
      [...bob.participants.values()][0]?.tracks.map((t) => t.trackId),
      [2],
    );

    const received: number[] = [];
    bob.events.on("media", (from) => received.push(from));
    for (let i = 0; i < 5; i++) {
      alice.sendFrame(2, {
        keyframe: i === 0,
        captureTimeUs: Date.now() * 1000,
        payload: new Uint8Array(100),
      });
    }
    await waitFor("bob to get alice's frames", () => received.length === 5);
    assertEquals(new Set(received), new Set([alice.sessionId]));

    let requested = 0;
    alice.events.on("keyframeRequested", () => requested++);
    bob.requestKeyframe(alice.sessionId, 2);
    await waitFor("alice to get bob's key frame request", () => requested === 1);

    const left: LeaveReason[] = [];
    alice.events.on("participantLeft", (_p, reason) => left.push(reason));
    await bob.leave();
    await waitFor("alice to see bob leave", () => left.length === 1);
    assertEquals(alice.participants.size, 0);
    await alice.leave();
  } finally {
    await nodeA.shutdown();
    await nodeB.shutdown();
    await database.close();
    await removeDataDir(dataDir);
  }
});
