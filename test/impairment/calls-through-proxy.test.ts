import { Codec, joinMeeting, type Media, MediaKind, type MeetingSession } from "@videocall/client";
import type { RelayDebugSnapshot } from "../../packages/server/src/relay/relay.ts";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { type ImpairedServer, startImpairedServer } from "../fixtures/impaired-server.ts";
import { delay, waitFor } from "../fixtures/wait.ts";

/** Relay pings every heartbeat timeout / 3: 2 s here, so its RTT follows a change within seconds. */
const HEARTBEAT_TIMEOUT_MS = 6000;
/** 100 ms each way: the round trip grows by 200 ms. */
const ADDED_ONE_WAY_MS = 100;
const ADDED_RTT_MS = 2 * ADDED_ONE_WAY_MS;
/** Slack for a loaded 2-core machine: timers, event loops and the proxy itself add to the round trip. */
const RTT_SLACK_MS = 250;

/** The relay's latest Ping round trip to `displayName`'s connection (GET /api/debug/rooms). */
async function relayRttMs(impaired: ImpairedServer, displayName: string): Promise<number | null> {
  const response = await fetch(`${impaired.server.url}/api/debug/rooms`);
  const snapshot = (await response.json()) as RelayDebugSnapshot;
  const connection = snapshot.rooms
    .flatMap((room) => room.connections)
    .find((c) => c.displayName === displayName);
  return connection?.rttMs ?? null;
}

/**
 * Clean, then 100 ms each way, then clean again, switched at run time: the client's own pings and
 * the relay's pings both measure the added round trip, and both fall back within a few seconds.
 */
async function assertRttFollowsProfile(impaired: ImpairedServer, session: MeetingSession, name: string) {
  await waitFor("a clean round trip from the client", () => (session.stats().rttMs ?? Infinity) < 100, 5000);
  await waitFor(
    "a clean round trip from the relay",
    async () => ((await relayRttMs(impaired, name)) ?? Infinity) < 100,
    8000,
  );
  const cleanClientMs = session.stats().rttMs!;
  const cleanRelayMs = (await relayRttMs(impaired, name))!;

  // The clean round trip is under 100 ms (waited for above), so one of 180 ms or more is the added delay;
  // comparing with one clean sample would fail whenever a busy moment inflated that sample.
  impaired.proxy.setProfile({ delayMs: ADDED_ONE_WAY_MS });
  await waitFor(
    "the client's round trip to rise by the added delay",
    () => (session.stats().rttMs ?? 0) >= ADDED_RTT_MS * 0.9,
    5000,
  );
  await waitFor(
    "the relay's round trip to rise by the added delay",
    async () => ((await relayRttMs(impaired, name)) ?? 0) >= ADDED_RTT_MS * 0.9,
    8000,
  );
  // About the added delay, not more: sample a few pings.
  for (let i = 0; i < 4; i++) {
    await delay(500);
    const clientMs = session.stats().rttMs!;
    assert(
      clientMs >= ADDED_RTT_MS * 0.9 && clientMs <= ADDED_RTT_MS + RTT_SLACK_MS,
      `${name}: client RTT ${clientMs.toFixed(1)} ms under +${ADDED_RTT_MS} ms (clean ${cleanClientMs.toFixed(1)})`,
    );
  }
  const relayMs = (await relayRttMs(impaired, name))!;
  assert(
    relayMs >= ADDED_RTT_MS * 0.9 && relayMs <= ADDED_RTT_MS + RTT_SLACK_MS,
    `${name}: relay RTT ${relayMs} ms under +${ADDED_RTT_MS} ms (clean ${cleanRelayMs})`,
  );
  console.log(
    `${session.transportKind}: RTT clean ${cleanClientMs.toFixed(1)} ms (relay ${cleanRelayMs} ms), ` +
      `+${ADDED_RTT_MS} ms profile ${session.stats().rttMs!.toFixed(1)} ms (relay ${relayMs} ms)`,
  );

  impaired.proxy.setProfile("clean");
  const switchedAtMs = performance.now();
  await waitFor(
    "the client's round trip to fall back",
    () => (session.stats().rttMs ?? Infinity) < 100,
    5000,
  );
  await waitFor(
    "the relay's round trip to fall back",
    async () => ((await relayRttMs(impaired, name)) ?? Infinity) < 100,
    8000,
  );
  console.log(
    `${session.transportKind}: both RTTs clean again ${(performance.now() - switchedAtMs).toFixed(0)} ms after the switch`,
  );
}

Deno.test("a WebSocket call through the impairment proxy: the RTT follows the profile as it changes", async () => {
  const impaired = await startImpairedServer({ heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS });
  try {
    const alice = await joinMeeting({
      serverUrl: impaired.url,
      username: "alice",
      meetingId: "impaired-ws",
      transport: "websocket",
    });
    try {
      assertEquals(alice.transportKind, "websocket");
      await assertRttFollowsProfile(impaired, alice, "alice");
      const counters = impaired.proxy.counters();
      assert((counters.tcp?.connections ?? 0) >= 1, "alice's WebSocket is a proxied TCP connection");
      assert(counters.up.bytesDelivered > 0 && counters.down.bytesDelivered > 0, "bytes went both ways");
      assertEquals(counters.udp?.sessions, 0, "no WebTransport attempt");
    } finally {
      await alice.leave();
    }
  } finally {
    await impaired.stop();
  }
});

Deno.test("a WebTransport call through the impairment proxy: the RTT follows the profile as it changes", async () => {
  const impaired = await startImpairedServer({ heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS });
  try {
    const alice = await joinMeeting({
      serverUrl: impaired.url,
      username: "alice",
      meetingId: "impaired-wt",
      transport: "webtransport",
    });
    try {
      assertEquals(alice.transportKind, "webtransport");
      const before = impaired.proxy.counters();
      assertEquals(before.udp?.sessions, 1, "alice's QUIC connection goes through the UDP side");
      await assertRttFollowsProfile(impaired, alice, "alice");
      const after = impaired.proxy.counters();
      assert(after.up.packetsDelivered > before.up.packetsDelivered, "datagrams went up through the proxy");
      assert(after.down.packetsDelivered > before.down.packetsDelivered, "and down");
    } finally {
      await alice.leave();
    }
  } finally {
    await impaired.stop();
  }
});

const AUDIO_FRAMES = 250;
const VIDEO_FRAMES = 50;

Deno.test("under 5 % loss over WebTransport, audio and video still arrive and the audio loss shows", async () => {
  const impaired = await startImpairedServer({ heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS, seed: 5 });
  try {
    // Alice publishes through the proxy over WebTransport; Bob watches on a clean WebSocket to the relay.
    const alice = await joinMeeting({
      serverUrl: impaired.url,
      username: "alice",
      meetingId: "impaired-loss",
      transport: "webtransport",
    });
    const bob = await joinMeeting({
      serverUrl: impaired.server.url,
      username: "bob",
      meetingId: "impaired-loss",
      transport: "websocket",
    });
    try {
      await waitFor("alice to see bob", () => alice.participants.size === 1);
      const toBob: Media[] = [];
      bob.events.on("media", (_from, media) => toBob.push(media));
      alice.publishTrack({ trackId: 1, kind: MediaKind.AUDIO, codec: Codec.OPUS });
      alice.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 });
      await delay(200); // the track announcements reach Bob first
      impaired.proxy.setProfile("lossy-5");
      // 20 ms audio packets (datagrams, never retransmitted) and a video frame every 100 ms (on a
      // QUIC stream, which retransmits what the proxy loses).
      for (let i = 0; i < AUDIO_FRAMES; i++) {
        alice.sendFrame(1, {
          keyframe: false,
          captureTimeUs: Date.now() * 1000,
          payload: new Uint8Array(120),
        });
        if (i % 5 === 0) {
          alice.sendFrame(2, {
            keyframe: i === 0,
            captureTimeUs: Date.now() * 1000,
            payload: new Uint8Array(3000),
          });
        }
        await delay(20);
      }
      const videoCount = () => toBob.filter((m) => m.kind === MediaKind.VIDEO).length;
      await waitFor(
        "every video frame, retransmitted where lost",
        () => videoCount() === VIDEO_FRAMES,
        15_000,
      );
      await delay(500); // the last datagrams
      const audio = toBob.filter((m) => m.kind === MediaKind.AUDIO).length;
      const counters = impaired.proxy.counters();
      const lostUp = counters.up.dropped["random-loss"];
      assert(lostUp > 0, "the proxy lost datagrams on the way up");
      assert(audio > AUDIO_FRAMES * 0.75, `audio still flows: ${audio}/${AUDIO_FRAMES}`);
      assert(audio < AUDIO_FRAMES, `and the loss shows: ${audio}/${AUDIO_FRAMES} arrived`);
      console.log(
        `5 % loss up: ${audio}/${AUDIO_FRAMES} audio and ${videoCount()}/${VIDEO_FRAMES} video frames arrived; ` +
          `proxy lost ${lostUp} of ${counters.up.packetsIn} QUIC packets up`,
      );
    } finally {
      await alice.leave();
      await bob.leave();
    }
  } finally {
    await impaired.stop();
  }
});
