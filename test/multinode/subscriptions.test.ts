import { Codec, joinMeeting, MediaKind, type MeetingSession } from "@videocall/client";
import { assertEquals } from "../fixtures/assert.ts";
import { startNats } from "../fixtures/nats.ts";
import { metricValue, type TestServer } from "../fixtures/server.ts";
import { delay, waitFor } from "../fixtures/wait.ts";
import {
  FrameLog,
  joinAsPublisher,
  sendFramesEvery,
  startRelayNode,
  VIDEO_TRACK,
  waitForAsync,
} from "./relay-nodes.ts";

const AUDIO = 1;
const VIDEO = 2;
const FRAMES = 20;

async function busMetrics(
  node: TestServer,
): Promise<{ received: number; subjects: number; subscribes: number }> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return {
    received: metricValue(text, "videocall_bus_packets_total", { direction: "received" }),
    subjects: metricValue(text, "videocall_bus_packet_subjects"),
    subscribes: metricValue(text, "videocall_bus_packet_subscribes_total"),
  };
}

/** Waits until node's packet subscriptions are exactly `subjects`, after `newSubjects` new ones since `before`. */
async function settled(
  node: TestServer,
  before: { subscribes: number },
  newSubjects: number,
  subjects: number,
) {
  await waitForAsync(`${node.url} to hold ${subjects} packet subjects`, async () => {
    const now = await busMetrics(node);
    return now.subscribes === before.subscribes + newSubjects && now.subjects === subjects;
  });
}

async function joinPublishing(node: TestServer, username: string): Promise<MeetingSession> {
  const session = await joinMeeting({
    serverUrl: node.url,
    username,
    meetingId: "watch",
    transport: "websocket",
  });
  session.publishTrack({ trackId: AUDIO, kind: MediaKind.AUDIO, codec: Codec.OPUS });
  session.publishTrack({ trackId: VIDEO, kind: MediaKind.VIDEO, codec: Codec.VP8 });
  return session;
}

Deno.test("a node whose subscribers watch one track gets only that track over NATS, and more when they ask for more", async () => {
  const nats = await startNats();
  const nodeA = await startRelayNode(nats.urls, "node-a");
  const nodeB = await startRelayNode(nats.urls, "node-b");
  const sessions: MeetingSession[] = [];
  try {
    const alice = await joinPublishing(nodeA, "alice");
    const carol = await joinPublishing(nodeA, "carol");
    const bob = await joinMeeting({
      serverUrl: nodeB.url,
      username: "bob",
      meetingId: "watch",
      transport: "websocket",
    });
    sessions.push(alice, carol, bob);
    await waitFor("bob to see both publishers' tracks", () =>
      [alice, carol].every((p) => bob.participants.get(p.sessionId)?.tracks.length === 2),
    );
    await waitFor("node A to know bob", () => alice.participants.has(bob.sessionId));
    const atBob = new Map<string, number>();
    bob.events.on("media", (from, media) => {
      const key = `${from === alice.sessionId ? "alice" : "carol"}/${media.trackId}`;
      atBob.set(key, (atBob.get(key) ?? 0) + 1);
    });
    const bobTotal = () => [...atBob.values()].reduce((a, b) => a + b, 0);

    /** Both publishers send FRAMES frames on both tracks; returns what crossed NATS into node B. */
    const burst = async (expectedAtBob: number): Promise<number> => {
      const before = await busMetrics(nodeB);
      const bobBefore = bobTotal();
      const payload = new Uint8Array(500);
      for (let i = 0; i < FRAMES; i++) {
        for (const publisher of [alice, carol]) {
          publisher.sendFrame(AUDIO, { keyframe: true, captureTimeUs: Date.now() * 1000, payload });
          publisher.sendFrame(VIDEO, { keyframe: i === 0, captureTimeUs: Date.now() * 1000, payload });
        }
      }
      await waitFor(`bob to get ${expectedAtBob} frames`, () => bobTotal() === bobBefore + expectedAtBob);
      await delay(300); // anything else that was coming over NATS would be here by now
      assertEquals(bobTotal(), bobBefore + expectedAtBob, "bob got exactly what he subscribed to");
      return (await busMetrics(nodeB)).received - before.received;
    };

    const all = await burst(4 * FRAMES);
    assertEquals(all, 4 * FRAMES, "ALL mode: every track of both publishers crosses");
    assertEquals((await busMetrics(nodeB)).subjects, 1, "one .p.> subscription");

    let before = await busMetrics(nodeB);
    bob.setSubscriptions({ mode: "explicit", tracks: [{ sessionId: alice.sessionId, trackId: VIDEO }] });
    await settled(nodeB, before, 1, 1); // alice's video subject in, .p.> out
    atBob.clear();
    const one = await burst(FRAMES);
    assertEquals(one, FRAMES, "EXPLICIT, one track: only alice's video crosses");
    assertEquals(atBob.get("alice/2"), FRAMES);

    before = await busMetrics(nodeB);
    bob.setSubscriptions({
      mode: "explicit",
      tracks: [
        { sessionId: alice.sessionId, trackId: VIDEO },
        { sessionId: carol.sessionId, trackId: AUDIO },
        { sessionId: carol.sessionId, trackId: VIDEO },
      ],
    });
    await settled(nodeB, before, 2, 3);
    atBob.clear();
    const three = await burst(3 * FRAMES);
    assertEquals(three, 3 * FRAMES, "three tracks cross when bob watches three");
    assertEquals(Object.fromEntries(atBob), { "alice/2": FRAMES, "carol/1": FRAMES, "carol/2": FRAMES });

    before = await busMetrics(nodeB);
    bob.setSubscriptions({ mode: "all" });
    await settled(nodeB, before, 1, 1);
    const again = await burst(4 * FRAMES);
    assertEquals(again, 4 * FRAMES, "ALL again");
    console.log(
      `cross-node media packets into node B for ${4 * FRAMES} sent: ALL ${all}, EXPLICIT 1 track ${one}, 3 tracks ${three}, ALL again ${again}`,
    );
  } finally {
    for (const session of sessions) await session.leave();
    await nodeA.stop();
    await nodeB.stop();
    await nats.stop();
  }
});

Deno.test("switching a node between everything and one track over NATS loses and doubles no frame of the watched track", async () => {
  const nats = await startNats();
  const nodeA = await startRelayNode(nats.urls, "node-a");
  const nodeB = await startRelayNode(nats.urls, "node-b");
  const sessions: MeetingSession[] = [];
  try {
    const alice = await joinAsPublisher(nodeA, "alice", "switch");
    const bob = await joinMeeting({
      serverUrl: nodeB.url,
      username: "bob",
      meetingId: "switch",
      transport: "websocket",
    });
    sessions.push(alice, bob);
    await waitFor(
      "bob to see alice's track",
      () => bob.participants.get(alice.sessionId)?.tracks.length === 1,
    );
    await waitFor("alice to see bob", () => alice.participants.has(bob.sessionId));
    const atBob = new FrameLog(bob, () => alice.sessionId);
    const stream = sendFramesEvery(alice, 5);
    try {
      await waitFor("bob to get frames", () => atBob.count >= 10);
      for (const subscriptions of [
        { mode: "explicit", tracks: [{ sessionId: alice.sessionId, trackId: VIDEO_TRACK }] },
        { mode: "all" },
        { mode: "explicit", tracks: [{ sessionId: alice.sessionId, trackId: VIDEO_TRACK }] },
      ] as const) {
        const before = await busMetrics(nodeB);
        bob.setSubscriptions(subscriptions);
        await settled(nodeB, before, 1, 1);
        const count = atBob.count;
        await waitFor("frames after the switch", () => atBob.count >= count + 10);
      }
    } finally {
      stream.stop();
    }
    await waitFor("the last frame", () => atBob.has(stream.lastFrame));
    const frames = atBob.arrivals.map((a) => a.frame);
    const first = frames[0] as number;
    assertEquals(
      frames,
      Array.from({ length: stream.lastFrame - first + 1 }, (_, i) => first + i),
    );
    assertEquals(atBob.corrupted, 0);
  } finally {
    for (const session of sessions) await session.leave();
    await nodeA.stop();
    await nodeB.stop();
    await nats.stop();
  }
});
