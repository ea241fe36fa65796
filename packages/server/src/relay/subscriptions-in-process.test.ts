import assert from "node:assert/strict";
import {
  Codec,
  decodePacket,
  encodePacket,
  MediaKind,
  PARTICIPANT_GRANTS,
  SubscriptionMode,
} from "@videocall/protocol";
import pino from "pino";
import type { Admission } from "../admission/admitter.ts";
import { InMemoryBusHub } from "../bus/in-memory-bus.ts";
import { RelayStats } from "../observability/relay-stats.ts";
import type { ClientConnection } from "./client-connection.ts";
import { Relay } from "./relay.ts";
import type { ConnectionHandler } from "./relay-connection.ts";

class RecordingConnection implements ClientConnection {
  readonly transport = "websocket" as const;
  readonly bufferedBytes = 0;
  readonly sent: Uint8Array[] = [];
  send(packet: Uint8Array): void {
    this.sent.push(packet);
  }
  close(): void {}
  media(): string[] {
    return this.sent.flatMap((bytes) => {
      const body = decodePacket(bytes).body;
      return body.case === "media"
        ? [`${body.value.trackId}/${body.value.layer}${body.value.keyframe ? "K" : ""}`]
        : [];
    });
  }
  keyframeRequests(): number[] {
    return this.sent.flatMap((bytes) => {
      const body = decodePacket(bytes).body;
      return body.case === "keyframeRequest" ? [body.value.trackId] : [];
    });
  }
  sessionId(): number {
    const body = decodePacket(this.sent[0]!).body;
    assert.ok(body.case === "welcome");
    return body.value.sessionId;
  }
}

const guest = (username: string, meetingId: string): Admission => ({
  identity: `guest:${username}`,
  displayName: username,
  meetingId,
  protocolVersion: 2,
  role: "participant",
  grants: PARTICIPANT_GRANTS,
  guest: true,
});

const newRelay = (hub: InMemoryBusHub, nodeId: string) =>
  new Relay({
    bus: hub.node(nodeId),
    stats: new RelayStats(),
    log: pino({ level: "silent" }),
    serverVersion: "test",
    heartbeatTimeoutMs: 60_000,
  });

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The participant behind `handler` publishes one VP8 video track, id 2. */
const announceVideo = (handler: ConnectionHandler) =>
  handler.onPacket(
    encodePacket({
      body: {
        case: "trackState",
        value: { tracks: [{ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 }] },
      },
    }),
  );

const frame = (trackId: number, kind: MediaKind, keyframe: boolean, layer = 0) =>
  encodePacket({
    body: { case: "media", value: { trackId, kind, keyframe, layer, payload: new Uint8Array(10) } },
  });

Deno.test("in one process too, a node takes from the bus only the tracks its subscribers chose, and a gained video starts at a key frame", async () => {
  const hub = new InMemoryBusHub();
  const relayA = newRelay(hub, "a");
  const relayB = newRelay(hub, "b");
  try {
    const alice = new RecordingConnection();
    const aliceIn = relayA.accept(alice, guest("alice", "m"))!;
    aliceIn.onPacket(
      encodePacket({
        body: {
          case: "trackState",
          value: {
            tracks: [
              { trackId: 1, kind: MediaKind.AUDIO, codec: Codec.OPUS },
              { trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 },
            ],
          },
        },
      }),
    );
    await settle();
    const bob = new RecordingConnection();
    const bobIn = relayB.accept(bob, guest("bob", "m"))!;
    await settle();
    await settle();
    const sendAll = () => {
      aliceIn.onPacket(frame(1, MediaKind.AUDIO, false));
      aliceIn.onPacket(frame(2, MediaKind.VIDEO, false, 0));
      aliceIn.onPacket(frame(2, MediaKind.VIDEO, false, 1));
    };
    const receivedByB = () => hub.packetsReceivedByNode.get("b") ?? 0;

    let before = receivedByB();
    sendAll();
    await settle();
    assert.equal(receivedByB() - before, 3, "ALL: everything crosses");
    assert.deepEqual(bob.media(), ["1/0", "2/0", "2/1"]);

    bobIn.onPacket(
      encodePacket({
        body: {
          case: "setSubscriptions",
          value: {
            mode: SubscriptionMode.EXPLICIT,
            tracks: [{ sessionId: alice.sessionId(), trackId: 2, maxLayer: 0 }],
          },
        },
      }),
    );
    await settle();
    // Bob gained nothing (he had every layer): no key frame request.
    assert.deepEqual(alice.keyframeRequests(), []);
    bob.sent.length = 0;
    before = receivedByB();
    sendAll();
    await settle();
    assert.equal(receivedByB() - before, 2, "only alice's video crosses (both layers: the bus is per track)");
    assert.deepEqual(bob.media(), ["2/0"], "layer 1 is above bob's max_layer");

    bobIn.onPacket(
      encodePacket({
        body: {
          case: "setSubscriptions",
          value: { mode: SubscriptionMode.EXPLICIT, tracks: [{ sessionId: alice.sessionId(), trackId: 2 }] },
        },
      }),
    );
    await settle();
    assert.deepEqual(
      alice.keyframeRequests(),
      [2],
      "gaining layer 1 asks alice for a key frame across the bus",
    );
    bob.sent.length = 0;
    sendAll(); // deltas: held back until the key frame
    aliceIn.onPacket(frame(2, MediaKind.VIDEO, true, 0));
    aliceIn.onPacket(frame(2, MediaKind.VIDEO, false, 1));
    await settle();
    assert.deepEqual(bob.media(), ["2/0K", "2/1"]);
  } finally {
    relayA.close();
    relayB.close();
  }
});

Deno.test("all_audio: an EXPLICIT subscriber gets every audio track, of later joiners and other nodes too, and only the video it lists", async () => {
  const hub = new InMemoryBusHub();
  const relayA = newRelay(hub, "a");
  const relayB = newRelay(hub, "b");
  const publish = (connection: ReturnType<Relay["accept"]>) =>
    connection!.onPacket(
      encodePacket({
        body: {
          case: "trackState",
          value: {
            tracks: [
              { trackId: 1, kind: MediaKind.AUDIO, codec: Codec.OPUS },
              { trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 },
            ],
          },
        },
      }),
    );
  try {
    const bob = new RecordingConnection();
    const bobIn = relayB.accept(bob, guest("bob", "m"))!;
    await settle();
    bobIn.onPacket(
      encodePacket({
        body: {
          case: "setSubscriptions",
          value: { mode: SubscriptionMode.EXPLICIT, tracks: [], allAudio: true },
        },
      }),
    );
    await settle();
    // Both publishers come after the subscription: one on bob's node, one across the bus.
    const carol = new RecordingConnection();
    const carolIn = relayB.accept(carol, guest("carol", "m"))!;
    publish(carolIn);
    // Carol watches nothing (in ALL mode her node would take everything from the bus).
    carolIn.onPacket(
      encodePacket({
        body: { case: "setSubscriptions", value: { mode: SubscriptionMode.EXPLICIT, tracks: [] } },
      }),
    );
    const alice = new RecordingConnection();
    const aliceIn = relayA.accept(alice, guest("alice", "m"))!;
    publish(aliceIn);
    for (let i = 0; i < 4; i++) await settle();
    bob.sent.length = 0;
    const receivedByB = () => hub.packetsReceivedByNode.get("b") ?? 0;
    const before = receivedByB();
    for (const from of [aliceIn, carolIn]) {
      from.onPacket(frame(1, MediaKind.AUDIO, false));
      from.onPacket(frame(2, MediaKind.VIDEO, true));
    }
    await settle();
    assert.deepEqual(bob.media(), ["1/0", "1/0"], "both audio tracks, no video");
    assert.equal(receivedByB() - before, 1, "only alice's audio crosses to bob's node");

    // Listing alice's video adds it; audio stays.
    bobIn.onPacket(
      encodePacket({
        body: {
          case: "setSubscriptions",
          value: {
            mode: SubscriptionMode.EXPLICIT,
            tracks: [{ sessionId: alice.sessionId(), trackId: 2 }],
            allAudio: true,
          },
        },
      }),
    );
    await settle();
    bob.sent.length = 0;
    aliceIn.onPacket(frame(1, MediaKind.AUDIO, false));
    aliceIn.onPacket(frame(2, MediaKind.VIDEO, true));
    await settle();
    assert.deepEqual(bob.media(), ["1/0", "2/0K"]);

    // Without all_audio, unlisted audio stops.
    bobIn.onPacket(
      encodePacket({
        body: {
          case: "setSubscriptions",
          value: { mode: SubscriptionMode.EXPLICIT, tracks: [{ sessionId: alice.sessionId(), trackId: 2 }] },
        },
      }),
    );
    await settle();
    bob.sent.length = 0;
    aliceIn.onPacket(frame(1, MediaKind.AUDIO, false));
    carolIn.onPacket(frame(1, MediaKind.AUDIO, false));
    await settle();
    assert.deepEqual(bob.media(), []);
  } finally {
    relayA.close();
    relayB.close();
  }
});

Deno.test("a joiner's first last-N choice keeps the video it already receives flowing: no wait for a key frame, no request", async () => {
  const relay = newRelay(new InMemoryBusHub(), "a");
  try {
    const alice = new RecordingConnection();
    const aliceIn = relay.accept(alice, guest("alice", "m"))!;
    announceVideo(aliceIn);
    const carol = new RecordingConnection();
    const carolIn = relay.accept(carol, guest("carol", "m"))!;
    announceVideo(carolIn);
    await settle();
    const bob = new RecordingConnection();
    const bobIn = relay.accept(bob, guest("bob", "m"))!;
    await settle();
    // In ALL mode at first: alice's key frame and a delta reach bob; carol has sent nothing yet.
    aliceIn.onPacket(frame(2, MediaKind.VIDEO, true));
    aliceIn.onPacket(frame(2, MediaKind.VIDEO, false));
    await settle();
    assert.deepEqual(bob.media(), ["2/0K", "2/0"]);

    bobIn.onPacket(
      encodePacket({
        body: {
          case: "setSubscriptions",
          value: {
            mode: SubscriptionMode.EXPLICIT,
            lastN: 2,
            tracks: [
              { sessionId: alice.sessionId(), trackId: 2 },
              { sessionId: carol.sessionId(), trackId: 2 },
            ],
          },
        },
      }),
    );
    await settle();
    bob.sent.length = 0;
    aliceIn.onPacket(frame(2, MediaKind.VIDEO, false));
    carolIn.onPacket(frame(2, MediaKind.VIDEO, false));
    await settle();
    assert.deepEqual(
      bob.media(),
      ["2/0", "2/0"],
      "alice's deltas go on; so do carol's, received in ALL mode too",
    );
    assert.deepEqual(alice.keyframeRequests(), [], "nobody asked alice for a key frame");
  } finally {
    relay.close();
  }
});

Deno.test("a video that last-N takes in, after leaving it out, still starts at a key frame", async () => {
  const relay = newRelay(new InMemoryBusHub(), "a");
  try {
    const alice = new RecordingConnection();
    const aliceIn = relay.accept(alice, guest("alice", "m"))!;
    announceVideo(aliceIn);
    await settle();
    const bob = new RecordingConnection();
    const bobIn = relay.accept(bob, guest("bob", "m"))!;
    const subscribe = (lastN: number, tracks: Array<{ sessionId: number; trackId: number }>) =>
      bobIn.onPacket(
        encodePacket({
          body: { case: "setSubscriptions", value: { mode: SubscriptionMode.EXPLICIT, lastN, tracks } },
        }),
      );
    subscribe(1, []);
    await settle();
    aliceIn.onPacket(frame(2, MediaKind.VIDEO, false));
    await settle();
    assert.deepEqual(bob.media(), [], "not subscribed: nothing");
    subscribe(1, [{ sessionId: alice.sessionId(), trackId: 2 }]);
    await settle();
    assert.deepEqual(alice.keyframeRequests(), [2], "gained: alice is asked for a key frame");
    aliceIn.onPacket(frame(2, MediaKind.VIDEO, false));
    aliceIn.onPacket(frame(2, MediaKind.VIDEO, true));
    await settle();
    assert.deepEqual(bob.media(), ["2/0K"], "the delta before the key frame is held back");
  } finally {
    relay.close();
  }
});
