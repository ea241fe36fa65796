import { Codec, joinMeeting, MediaKind, type MeetingSession } from "@videocall/client";
import { encodePacket, type Packet, SubscriptionMode } from "@videocall/protocol";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { openRawClient, type RawClient } from "../fixtures/raw-client.ts";
import { metricValue, startServer, type TestServer } from "../fixtures/server.ts";
import { delay, waitFor } from "../fixtures/wait.ts";

const AUDIO = 1;
const VIDEO = 2;

type TrackRequest = { sessionId: number; trackId: number; maxLayer?: number };

/** Sends SetSubscriptions on a raw connection and waits until the relay has applied it (a ping answered after it). */
async function subscribe(client: RawClient, tracks: TrackRequest[] | "all"): Promise<void> {
  client.send(
    encodePacket({
      body: {
        case: "setSubscriptions",
        value:
          tracks === "all" ? { mode: SubscriptionMode.ALL } : { mode: SubscriptionMode.EXPLICIT, tracks },
      },
    }),
  );
  await answered(client);
}

let nextNonce = 100;
/** Pings and waits for the pong: everything sent before it has been handled by the relay. */
async function answered(client: RawClient): Promise<void> {
  const nonce = nextNonce++;
  client.send(encodePacket({ body: { case: "ping", value: { nonce } } }));
  await waitFor(`pong ${nonce}`, () =>
    client.received.some((p) => p.body.case === "pong" && p.body.value.nonce === nonce),
  );
}

/** Media packets a raw client got at its socket, as "track/layer" labels, from index `since` on. */
function mediaAt(client: RawClient, since = 0): string[] {
  return client.received
    .slice(since)
    .flatMap((p: Packet) =>
      p.body.case === "media" ? [`${p.body.value.trackId}/${p.body.value.layer}`] : [],
    );
}

function countOf(labels: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

/** Ten audio frames and ten video frames on each of layers 0 and 1, the first video frames key frames. */
function sendBurst(publisher: MeetingSession): void {
  const payload = new Uint8Array(200);
  for (let i = 0; i < 10; i++) {
    const captureTimeUs = Date.now() * 1000;
    publisher.sendFrame(AUDIO, { keyframe: true, captureTimeUs, payload });
    publisher.sendFrame(VIDEO, { keyframe: i === 0, captureTimeUs, layer: 0, payload });
    publisher.sendFrame(VIDEO, { keyframe: i === 0, captureTimeUs, layer: 1, temporalLayer: i % 3, payload });
  }
}

async function meetingOfThree(server: TestServer, meetingId: string) {
  const alice = await joinMeeting({
    serverUrl: server.url,
    username: "alice",
    meetingId,
    transport: "websocket",
  });
  alice.publishTrack({ trackId: AUDIO, kind: MediaKind.AUDIO, codec: Codec.OPUS });
  alice.publishTrack({ trackId: VIDEO, kind: MediaKind.VIDEO, codec: Codec.VP8 });
  const bob = await openRawClient("websocket", server.url, "bob", meetingId);
  const dave = await openRawClient("websocket", server.url, "dave", meetingId);
  await waitFor("alice to see bob and dave", () => alice.participants.size === 2);
  await answered(bob);
  await answered(dave);
  return { alice, bob, dave };
}

/**
 * Sends a burst and waits until dave (ALL mode) has all of it: the relay hands each packet to
 * every receiver's queue in one loop, so bob's share is on its way too; a pong then proves it arrived.
 */
async function burstAndSettle(alice: MeetingSession, bob: RawClient, dave: RawClient): Promise<void> {
  const daveBefore = mediaAt(dave).length;
  sendBurst(alice);
  await waitFor("dave to get the whole burst", () => mediaAt(dave).length === daveBefore + 30);
  await answered(bob);
  await delay(50);
}

Deno.test("a subscriber in EXPLICIT mode receives only the tracks and layers it asked for, and everything again in ALL mode", async () => {
  const server = await startServer();
  const { alice, bob, dave } = await meetingOfThree(server, "subs");
  try {
    const keyframeRequests: number[] = [];
    alice.events.on("keyframeRequested", (trackId) => keyframeRequests.push(trackId));

    let since = bob.received.length;
    await burstAndSettle(alice, bob, dave);
    assertEquals(countOf(mediaAt(bob, since)), { "1/0": 10, "2/0": 10, "2/1": 10 }, "ALL by default");

    await subscribe(bob, [{ sessionId: alice.sessionId, trackId: AUDIO }]);
    since = bob.received.length;
    await burstAndSettle(alice, bob, dave);
    assertEquals(
      countOf(mediaAt(bob, since)),
      { "1/0": 10 },
      "audio only: no video packet reaches bob's socket",
    );

    await subscribe(bob, [{ sessionId: alice.sessionId, trackId: VIDEO, maxLayer: 0 }]);
    await waitFor("the relay to ask alice for a key frame of the video bob now receives", () =>
      keyframeRequests.includes(VIDEO),
    );
    since = bob.received.length;
    await burstAndSettle(alice, bob, dave);
    assertEquals(countOf(mediaAt(bob, since)), { "2/0": 10 }, "video layer 0 only");

    await subscribe(bob, "all");
    since = bob.received.length;
    await burstAndSettle(alice, bob, dave);
    assertEquals(countOf(mediaAt(bob, since)), { "1/0": 10, "2/0": 10, "2/1": 10 }, "ALL again");

    // Dave never asked for anything and got everything throughout; control still reached bob.
    assertEquals(countOf(mediaAt(dave)), { "1/0": 40, "2/0": 40, "2/1": 40 });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assertEquals(metricValue(metrics, "videocall_packets_not_subscribed_total"), 20 + 20);
  } finally {
    await alice.leave();
    bob.close();
    dave.close();
    await server.stop();
  }
});

Deno.test("a subscription change takes effect within a packet or two, and a regained video track starts at a key frame", async () => {
  const server = await startServer();
  const { alice, bob, dave } = await meetingOfThree(server, "switch");
  let sent = 0;
  let keyframeWanted = true;
  alice.events.on("keyframeRequested", () => {
    keyframeWanted = true;
  });
  const sentKeyframes: number[] = [];
  const payload = new Uint8Array(300);
  // Alice streams video as a camera does: deltas, and a key frame when asked.
  const streaming = setInterval(() => {
    sent++;
    const keyframe = keyframeWanted;
    keyframeWanted = false;
    if (keyframe) sentKeyframes.push(sent);
    new DataView(payload.buffer).setUint32(0, sent);
    alice.sendFrame(VIDEO, { keyframe, captureTimeUs: Date.now() * 1000, payload });
  }, 10);
  const frameNumber = (p: Packet) =>
    p.body.case === "media"
      ? new DataView(p.body.value.payload.buffer, p.body.value.payload.byteOffset).getUint32(0)
      : 0;
  try {
    await waitFor("bob to get video", () => mediaAt(bob).length >= 10);

    await subscribe(bob, [{ sessionId: alice.sessionId, trackId: AUDIO }]);
    const unsubscribedAt = bob.received.length;
    await waitFor(
      "alice to send 20 more frames",
      () => sent >= frameNumber(bob.received.findLast((p) => p.body.case === "media")!) + 20,
    );
    const late = mediaAt(bob, unsubscribedAt).length;
    assert(late <= 2, `${late} video packets reached bob after the relay applied his unsubscribe`);

    const sentAtResubscribe = sent;
    // From the moment the request leaves (the key frame it asks for may overtake the pong).
    const resubscribedAt = bob.received.length;
    await subscribe(bob, [{ sessionId: alice.sessionId, trackId: VIDEO }]);
    await waitFor("bob to get video again", () => mediaAt(bob, resubscribedAt).length >= 5);
    const first = bob.received.slice(resubscribedAt).find((p) => p.body.case === "media")!;
    assert(
      first.body.case === "media" && first.body.value.keyframe,
      "the first regained frame is a key frame",
    );
    const firstNumber = frameNumber(first);
    assert(firstNumber > sentAtResubscribe, "no frame from before the change");
    // The key frame alice sent on the relay's request is the one bob starts from: none was lost.
    assertEquals(
      firstNumber,
      sentKeyframes.find((n) => n > sentAtResubscribe),
    );
    // From there every frame arrives, in order.
    const numbers = bob.received
      .slice(resubscribedAt)
      .filter((p) => p.body.case === "media")
      .map(frameNumber);
    assertEquals(
      numbers,
      Array.from({ length: numbers.length }, (_, i) => firstNumber + i),
    );
  } finally {
    clearInterval(streaming);
    await alice.leave();
    bob.close();
    dave.close();
    await server.stop();
  }
});

Deno.test("a malformed SetSubscriptions closes the connection with 1007", async () => {
  const server = await startServer();
  try {
    const many = Array.from({ length: 257 }, (_, i) => ({ sessionId: 5, trackId: i + 1 }));
    const cases: Array<[string, Parameters<typeof encodePacket>[0]["body"], RegExp]> = [
      [
        "257 tracks",
        { case: "setSubscriptions", value: { mode: SubscriptionMode.EXPLICIT, tracks: many } },
        /at most 256/,
      ],
      [
        "a list in ALL mode",
        {
          case: "setSubscriptions",
          value: { mode: SubscriptionMode.ALL, tracks: [{ sessionId: 5, trackId: 1 }] },
        },
        /ALL mode lists tracks/,
      ],
      [
        "a track twice",
        {
          case: "setSubscriptions",
          value: {
            mode: SubscriptionMode.EXPLICIT,
            tracks: [
              { sessionId: 5, trackId: 1 },
              { sessionId: 5, trackId: 1, maxLayer: 2 },
            ],
          },
        },
        /listed twice/,
      ],
      [
        "a track id out of range",
        {
          case: "setSubscriptions",
          value: { mode: SubscriptionMode.EXPLICIT, tracks: [{ sessionId: 5, trackId: 70000 }] },
        },
        /out of range/,
      ],
      [
        "an unknown mode",
        { case: "setSubscriptions", value: { mode: 7 as SubscriptionMode } },
        /unknown subscription mode/,
      ],
    ];
    for (const [name, body, reason] of cases) {
      const client = await openRawClient("websocket", server.url, "mallory", "bad-subs");
      await answered(client);
      client.send(encodePacket({ body }));
      const closed = await client.closed;
      assertEquals(closed.code, 1007, name);
      assert(reason.test(closed.reason), `${name}: ${closed.reason}`);
    }
    // A body cut short inside the list.
    const client = await openRawClient("websocket", server.url, "mallory", "bad-subs");
    await answered(client);
    client.send(new Uint8Array([0x0d, 0, 0, 0, 0, 0x6a, 0x04, 0x12, 0x05, 0x08, 0x01]));
    assertEquals((await client.closed).code, 1007);
  } finally {
    await server.stop();
  }
});

Deno.test("the client library's subscriptions are checked before sending and hold across a reconnect", async () => {
  let server = await startServer();
  const port = server.port;
  const join = async (username: string) => {
    const session = await joinMeeting({ serverUrl: server.url, username, meetingId: "again" });
    session.publishTrack({ trackId: AUDIO, kind: MediaKind.AUDIO, codec: Codec.OPUS });
    session.publishTrack({ trackId: VIDEO, kind: MediaKind.VIDEO, codec: Codec.VP8 });
    return session;
  };
  const alice = await join("alice");
  const bob = await joinMeeting({ serverUrl: server.url, username: "bob", meetingId: "again" });
  const got: string[] = [];
  bob.events.on("media", (from, media) => {
    if (from === alice.sessionId) got.push(`${media.trackId}/${media.layer}`);
  });
  try {
    await waitFor(
      "bob to see alice's tracks",
      () => bob.participants.get(alice.sessionId)?.tracks.length === 2,
    );
    let threw = false;
    try {
      bob.setSubscriptions({
        mode: "explicit",
        tracks: Array.from({ length: 257 }, (_, i) => ({ sessionId: 1, trackId: i + 1 })),
      });
    } catch (error) {
      threw = error instanceof RangeError;
    }
    assert(threw, "more than 256 subscriptions are refused before sending");
    bob.setSubscriptions({ mode: "explicit", tracks: [{ sessionId: alice.sessionId, trackId: AUDIO }] });
    assertEquals(bob.subscriptions.mode, "explicit");
    const sendBoth = () => {
      const payload = new Uint8Array(100);
      alice.sendFrame(AUDIO, { keyframe: true, captureTimeUs: Date.now() * 1000, payload });
      alice.sendFrame(VIDEO, { keyframe: true, captureTimeUs: Date.now() * 1000, layer: 2, payload });
    };
    // Bob's SetSubscriptions and alice's frames travel on different connections: frames the relay
    // handled before bob's change may still carry video. Once alice's audio has come round, his change
    // is in force (it was sent first, and a round trip has passed); from then on, no video.
    await waitFor("bob to get alice's audio", () => {
      sendBoth();
      return got.includes("1/0");
    });
    await delay(200);
    got.length = 0;
    await waitFor("bob to get alice's audio again", () => {
      sendBoth();
      return got.includes("1/0");
    });
    assert(!got.includes("2/2"), "no video before the reconnect");

    // The server restarts: both reconnect with new session ids, and bob's new connection must be
    // in EXPLICIT mode again (its list names alice's old session, so it now receives no media).
    await server.stop();
    server = await startServer({ port });
    await waitFor(
      "both to reconnect",
      () =>
        !alice.isReconnecting &&
        !bob.isReconnecting &&
        bob.stats().reconnects >= 1 &&
        bob.participants.has(alice.sessionId),
      15_000,
    );
    const notSubscribed = async () =>
      metricValue(
        await (await fetch(`${server.url}/metrics`)).text(),
        "videocall_packets_not_subscribed_total",
      );
    // Bob's SetSubscriptions and alice's frames travel on different connections (perhaps different
    // transports): wait until the relay holds frames back, then let what it sent before arrive.
    await waitFor(
      "the new server to hold back alice's media from bob",
      async () => {
        sendBoth();
        return (await notSubscribed()) >= 2;
      },
      5000,
    );
    await delay(200);
    got.length = 0;
    const heldBack = await notSubscribed();
    for (let i = 0; i < 5; i++) sendBoth();
    await waitFor("ten more frames held back", async () => (await notSubscribed()) >= heldBack + 10);
    await delay(200);
    assertEquals(got, [], "bob's restored subscriptions name alice's old session");
    bob.setSubscriptions({
      mode: "explicit",
      tracks: [{ sessionId: alice.sessionId, trackId: VIDEO, maxLayer: 2 }],
    });
    await waitFor("bob to get alice's new video", () => {
      sendBoth();
      return got.includes("2/2");
    });
    assert(!got.includes("1/0"), "and not her audio");
  } finally {
    await alice.leave();
    await bob.leave();
    await server.stop();
  }
});
