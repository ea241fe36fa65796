import { LeaveReason } from "@videocall/client";
import { assertEquals } from "../fixtures/assert.ts";
import { startNats } from "../fixtures/nats.ts";
import { waitFor } from "../fixtures/wait.ts";
import {
  FrameLog,
  framePayload,
  joinAsPublisher,
  listServers,
  startRelayNode,
  VIDEO_TRACK,
  waitForAsync,
} from "./relay-nodes.ts";

Deno.test("participants on two relay nodes linked by NATS see each other join and leave and exchange media", async () => {
  const nats = await startNats();
  const nodeA = await startRelayNode(nats.urls, "node-a");
  const nodeB = await startRelayNode(nats.urls, "node-b");
  const sessions = [];
  try {
    const alice = await joinAsPublisher(nodeA, "alice", "standup");
    sessions.push(alice);
    const bob = await joinAsPublisher(nodeB, "bob", "standup");
    sessions.push(bob);
    // A third participant on node B: a packet from alice must reach both through one NATS delivery.
    const carol = await joinAsPublisher(nodeB, "carol", "standup");
    sessions.push(carol);
    // Another meeting on node B only: node A must not see it.
    const dave = await joinAsPublisher(nodeB, "dave", "other-meeting");
    sessions.push(dave);

    await waitFor("alice to see bob and carol", () => alice.participants.size === 2);
    await waitFor("bob to see alice (from node A's roster) and carol", () => bob.participants.size === 2);
    assertEquals(
      [...bob.participants.values()].find((p) => p.username === "alice")?.tracks.map((t) => t.trackId),
      [VIDEO_TRACK],
    );
    assertEquals(dave.participants.size, 0);

    const atBob = new FrameLog(bob, () => alice.sessionId);
    const atCarol = new FrameLog(carol, () => alice.sessionId);
    const atAlice = new FrameLog(alice, () => bob.sessionId);
    const echoAtAlice = new FrameLog(alice, () => alice.sessionId);
    for (let frame = 1; frame <= 20; frame++) {
      alice.sendFrame(VIDEO_TRACK, {
        keyframe: frame === 1,
        captureTimeUs: Date.now() * 1000,
        payload: framePayload(frame),
      });
      bob.sendFrame(VIDEO_TRACK, {
        keyframe: frame === 1,
        captureTimeUs: Date.now() * 1000,
        payload: framePayload(frame),
      });
    }
    await waitFor("bob and carol to get alice's 20 frames", () => atBob.count === 20 && atCarol.count === 20);
    await waitFor("alice to get bob's 20 frames", () => atAlice.count === 20);
    assertEquals(
      atBob.arrivals.map((a) => a.frame),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assertEquals(atBob.corrupted + atCarol.corrupted + atAlice.corrupted, 0);
    // Nobody gets their own frames back, whatever node they are on.
    assertEquals(echoAtAlice.count, 0);

    let requested = 0;
    alice.events.on("keyframeRequested", () => requested++);
    bob.requestKeyframe(alice.sessionId, VIDEO_TRACK);
    await waitFor("alice to get bob's key frame request across NATS", () => requested === 1);

    const servers = await listServers(nodeA);
    assertEquals(servers.map((s) => s.id).sort(), ["node-a", "node-b"]);
    assertEquals(servers.find((s) => s.id === "node-b")?.url, nodeB.url);
    assertEquals(servers.find((s) => s.id === "node-a")?.self, true);
    // Load comes with the heartbeats (every second): bob, carol and dave are on node B.
    await waitForAsync("node A to report node B's load of 3", async () => {
      const b = (await listServers(nodeA)).find((s) => s.id === "node-b");
      return b?.participants === 3 && b.meetings === 2;
    });

    const left: Array<[string, LeaveReason]> = [];
    alice.events.on("participantLeft", (p, reason) => left.push([p.username, reason]));
    await carol.leave();
    await waitFor("alice to see carol leave", () => left.length === 1);
    assertEquals(left, [["carol", LeaveReason.LEFT]]);
    assertEquals(
      [...alice.participants.values()].map((p) => p.username),
      ["bob"],
    );
  } finally {
    for (const session of sessions) await session.leave();
    await nodeA.stop();
    await nodeB.stop();
    await nats.stop();
  }
});
