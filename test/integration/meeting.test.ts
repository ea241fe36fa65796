import { Codec, joinMeeting, LeaveReason, type Media, MediaKind } from "@videocall/client";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { startServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";

Deno.test("participants see each other join and leave, and the joiner gets the current list", async () => {
  const server = await startServer();
  try {
    const alice = await joinMeeting({ serverUrl: server.url, username: "alice", meetingId: "standup" });
    assertEquals(alice.participants.size, 0);
    const joined: string[] = [];
    alice.events.on("participantJoined", (p) => joined.push(p.username));
    const bob = await joinMeeting({ serverUrl: server.url, username: "bob", meetingId: "standup" });
    assertEquals(
      [...bob.participants.values()].map((p) => p.username),
      ["alice"],
    );
    await waitFor("alice to see bob", () => joined.includes("bob"));
    assert(alice.sessionId !== bob.sessionId);

    // Another meeting is isolated.
    const carol = await joinMeeting({ serverUrl: server.url, username: "carol", meetingId: "other" });
    assertEquals(carol.participants.size, 0);

    const left: Array<[string, LeaveReason]> = [];
    alice.events.on("participantLeft", (p, reason) => left.push([p.username, reason]));
    const closedInfo = await bob.leave();
    assertEquals(closedInfo.byUser, true);
    await waitFor("alice to see bob leave", () => left.length === 1);
    assertEquals(left[0], ["bob", LeaveReason.LEFT]);
    assertEquals(alice.participants.size, 0);
    await alice.leave();
    await carol.leave();
  } finally {
    await server.stop();
  }
});

Deno.test("media goes to every other participant, stamped with the sender, never echoed back", async () => {
  const server = await startServer();
  try {
    const [alice, bob, carol] = await Promise.all(
      ["alice", "bob", "carol"].map((username) =>
        joinMeeting({ serverUrl: server.url, username, meetingId: "m1" }),
      ),
    );
    const received = new Map<string, Array<[number, Media]>>();
    for (const session of [alice!, bob!, carol!]) {
      const list: Array<[number, Media]> = [];
      received.set(session.username, list);
      session.events.on("media", (from, media) => list.push([from, media]));
    }
    await waitFor(
      "everyone to see everyone",
      () => alice!.participants.size === 2 && carol!.participants.size === 2,
    );
    alice!.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 });
    const payload = crypto.getRandomValues(new Uint8Array(1200));
    for (let i = 0; i < 20; i++) {
      alice!.sendFrame(2, { keyframe: i === 0, captureTimeUs: Date.now() * 1000, payload });
    }
    await waitFor(
      "bob and carol to get 20 frames",
      () => received.get("bob")!.length === 20 && received.get("carol")!.length === 20,
    );
    const [from, first] = received.get("bob")![0]!;
    assertEquals(from, alice!.sessionId, "the relay stamps the sender");
    assertEquals(first.keyframe, true);
    assertEquals(first.payload, payload, "payload forwarded byte for byte");
    assertEquals(
      received.get("bob")!.map(([, m]) => m.sequence),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    assertEquals(received.get("alice")!.length, 0, "no echo to the sender");
    for (const s of [alice!, bob!, carol!]) await s.leave();
  } finally {
    await server.stop();
  }
});

Deno.test("track state reaches current and late participants; key frame requests reach only the publisher", async () => {
  const server = await startServer();
  try {
    const alice = await joinMeeting({ serverUrl: server.url, username: "alice", meetingId: "m2" });
    const bob = await joinMeeting({ serverUrl: server.url, username: "bob", meetingId: "m2" });
    let bobSawTracks = false;
    bob.events.on("tracksChanged", (p) => {
      bobSawTracks = p.username === "alice" && p.tracks.length === 2;
    });
    await waitFor("alice to see bob", () => alice.participants.size === 1);
    alice.publishTrack({ trackId: 1, kind: MediaKind.AUDIO, codec: Codec.OPUS });
    alice.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 });
    alice.setTrackMuted(2, true);
    await waitFor("bob to see alice's tracks", () => bobSawTracks);
    const carol = await joinMeeting({ serverUrl: server.url, username: "carol", meetingId: "m2" });
    const aliceSeenByCarol = [...carol.participants.values()].find((p) => p.username === "alice");
    assertEquals(
      aliceSeenByCarol?.tracks.map((t) => [t.trackId, t.muted]),
      [
        [1, false],
        [2, true],
      ],
    );

    const requests: Array<[string, number]> = [];
    alice.events.on("keyframeRequested", (trackId) => requests.push(["alice", trackId]));
    bob.events.on("keyframeRequested", (trackId) => requests.push(["bob", trackId]));
    carol.requestKeyframe(alice.sessionId, 2);
    await waitFor("alice to get the key frame request", () => requests.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assertEquals(requests, [["alice", 2]]);
    for (const s of [alice, bob, carol]) await s.leave();
  } finally {
    await server.stop();
  }
});

Deno.test("a participant that stops sending heartbeats is removed and announced as timed out", async () => {
  const server = await startServer({ heartbeatTimeoutMs: 900 });
  try {
    const alice = await joinMeeting({ serverUrl: server.url, username: "alice", meetingId: "hb" });
    // A bare socket joins and then says nothing: no pings.
    const silent = new WebSocket(`${server.url.replace("http", "ws")}/lobby/silent/hb`);
    const silentClosed = new Promise<number>((resolve) => {
      silent.onclose = (event) => resolve(event.code);
    });
    const left: LeaveReason[] = [];
    alice.events.on("participantLeft", (_p, reason) => left.push(reason));
    await waitFor("alice to see the silent participant", () => alice.participants.size === 1);
    const startedMs = performance.now();
    await waitFor("the silent participant to time out", () => left.length === 1, 5000);
    const elapsedMs = performance.now() - startedMs;
    assertEquals(left[0], LeaveReason.TIMED_OUT);
    assertEquals(await silentClosed, 4000);
    assert(elapsedMs < 3000, `timed out after ${elapsedMs} ms, expected about 1 s`);
    // Alice pings (every timeout/3), so she is still there.
    assertEquals(alice.isClosed, false);
    await alice.leave();
  } finally {
    await server.stop();
  }
});
