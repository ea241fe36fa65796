import { Codec, joinMeeting, MediaKind } from "@videocall/client";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { openStalledReader } from "../fixtures/raw-socket.ts";
import { metricValue, startServer } from "../fixtures/server.ts";
import { delay, waitFor } from "../fixtures/wait.ts";

Deno.test("a receiver that stops reading loses its own video, and the others get every frame", async () => {
  // Alice sends about 8 MB/s of video, over the default byte budget (2.5 MB/s); the stalled
  // reader never sends a packet, so the handshake deadline must not cut it first.
  const server = await startServer({
    heartbeatTimeoutMs: 60_000,
    extraArgs: ["--max-bytes-per-second", "100000000", "--handshake-timeout-ms", "60000"],
  });
  let stalled: Deno.TcpConn | undefined;
  try {
    const alice = await joinMeeting({ serverUrl: server.url, username: "alice", meetingId: "slow" });
    const bob = await joinMeeting({ serverUrl: server.url, username: "bob", meetingId: "slow" });
    stalled = await openStalledReader(server.port, "stalled", "slow");
    await waitFor("alice to see bob and the stalled reader", () => alice.participants.size === 2);

    const sequences: number[] = [];
    bob.events.on("media", (_from, media) => sequences.push(media.sequence));
    let keyframeRequests = 0;
    alice.events.on("keyframeRequested", () => keyframeRequests++);
    alice.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 });

    // 40 MB of video in 64 KB frames at about 8 MB/s: far more than the loopback socket buffers hold
    // for a reader that never reads, and easy for one that does. A key frame every 60 frames.
    const frameCount = 640;
    const payload = new Uint8Array(64 * 1024);
    for (let i = 0; i < frameCount; i++) {
      alice.sendFrame(2, { keyframe: i % 60 === 0, captureTimeUs: Date.now() * 1000, payload });
      if (i % 4 === 3) await delay(30);
    }
    await waitFor("bob to receive every frame", () => sequences.length === frameCount, 20_000).catch(
      async (e) => {
        throw new Error(`${e.message}: got ${sequences.length}\n${await server.metrics()}`);
      },
    );
    assertEquals(
      sequences,
      Array.from({ length: frameCount }, (_, i) => i + 1),
      "in order, none lost",
    );

    const metrics = await server.metrics();
    const droppedFull = metricValue(metrics, "videocall_packets_dropped_total", { reason: "queue_full" });
    const droppedGated = metricValue(metrics, "videocall_packets_dropped_total", {
      reason: "awaiting_keyframe",
    });
    assert(droppedFull > 0, "the stalled reader's queue dropped video");
    assert(droppedGated > 0, "deltas after a drop wait for the next key frame");
    assert(droppedFull + droppedGated < frameCount, "only the stalled reader's frames were dropped");
    await waitFor("the relay to ask alice for a key frame", () => keyframeRequests > 0);
    assertEquals(bob.isClosed, false);
    await alice.leave();
    await bob.leave();
  } finally {
    stalled?.close();
    await server.stop();
  }
});
