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
      return body.case === "media" ? [`${body.value.layer}${body.value.keyframe ? "K" : ""}`] : [];
    });
  }
  layerDemands(): number[] {
    return this.sent.flatMap((bytes) => {
      const body = decodePacket(bytes).body;
      return body.case === "layerDemand" ? body.value.tracks.map((t) => t.layersMask) : [];
    });
  }
  keyframeRequestLayers(): Array<number | undefined> {
    return this.sent.flatMap((bytes) => {
      const body = decodePacket(bytes).body;
      return body.case === "keyframeRequest" ? [body.value.layer] : [];
    });
  }
  sessionId(): number {
    const body = decodePacket(this.sent[0]!).body;
    assert.ok(body.case === "welcome");
    return body.value.sessionId;
  }
}

const guest = (username: string): Admission => ({
  identity: `guest:${username}`,
  displayName: username,
  meetingId: "m",
  protocolVersion: 2,
  role: "participant",
  grants: PARTICIPANT_GRANTS,
  guest: true,
});

const newRelay = (hub: InMemoryBusHub, nodeId: string, stats = new RelayStats()) =>
  new Relay({
    bus: hub.node(nodeId),
    stats,
    log: pino({ level: "silent" }),
    serverVersion: "test",
    heartbeatTimeoutMs: 60_000,
  });

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const LAYERS = [
  { layer: 0, widthPx: 320, heightPx: 180, bitrateBps: 150_000 },
  { layer: 1, widthPx: 640, heightPx: 360, bitrateBps: 500_000 },
  { layer: 2, widthPx: 1280, heightPx: 720, bitrateBps: 1_500_000 },
];

const frame = (layer: number, keyframe: boolean) =>
  encodePacket({
    body: {
      case: "media",
      value: { trackId: 2, kind: MediaKind.VIDEO, keyframe, layer, payload: new Uint8Array(10) },
    },
  });

const tile = (sessionId: number, widthPx: number, heightPx: number) =>
  encodePacket({
    body: {
      case: "setSubscriptions",
      value: { mode: SubscriptionMode.EXPLICIT, tracks: [{ sessionId, trackId: 2, widthPx, heightPx }] },
    },
  });

Deno.test("LayerDemand is the union over nodes; only the chosen layers cross; key frames are asked per layer", async () => {
  const hub = new InMemoryBusHub();
  const statsA = new RelayStats();
  const relayA = newRelay(hub, "a", statsA);
  const relayB = newRelay(hub, "b");
  try {
    const alice = new RecordingConnection();
    const aliceIn = relayA.accept(alice, guest("alice"))!;
    aliceIn.onPacket(
      encodePacket({
        body: {
          case: "trackState",
          value: { tracks: [{ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8, layers: LAYERS }] },
        },
      }),
    );
    await wait(100);
    assert.deepEqual(alice.layerDemands(), [0], "a layered track nobody watches: LayerDemand 0 at once");

    const bob = new RecordingConnection();
    const bobIn = relayB.accept(bob, guest("bob"))!;
    const carol = new RecordingConnection();
    const carolIn = relayB.accept(carol, guest("carol"))!;
    await wait(20);
    bobIn.onPacket(tile(alice.sessionId(), 320, 180));
    carolIn.onPacket(tile(alice.sessionId(), 640, 360));
    await wait(200);
    assert.equal(alice.layerDemands().at(-1), 0b011, "layers 0 and 1, wanted on the other node");
    assert.deepEqual(
      alice.keyframeRequestLayers().sort(),
      [0, 1, 2],
      "one key frame request per (track, layer) started: 2 when bob and carol joined in ALL mode, then 0 and 1",
    );

    const before = hub.packetsReceivedByNode.get("b") ?? 0;
    for (const layer of [0, 1, 2]) aliceIn.onPacket(frame(layer, true));
    for (const layer of [0, 1, 2]) aliceIn.onPacket(frame(layer, false));
    await wait(10);
    assert.equal(
      (hub.packetsReceivedByNode.get("b") ?? 0) - before,
      4,
      "layer 2 does not cross: nobody there watches it",
    );
    assert.deepEqual(bob.media(), ["0K", "0"]);
    assert.deepEqual(carol.media(), ["1K", "1"]);

    // A node's layer interest is untrusted: one naming track 0 is dropped and counted.
    const evil = hub.node("evil").subscribe("m", { onPacket() {}, onPresence() {} });
    evil.publishPresence({ type: "layer-interest", tracks: [{ sessionId: 5, trackId: 0, layersMask: 1 }] });
    await wait(10);
    assert.equal(statsA.badInput.get("bus_malformed"), 1);
    evil.unsubscribe();

    bobIn.onClosed();
    carolIn.onClosed();
    await wait(200);
    assert.equal(alice.layerDemands().at(-1), 0, "everyone gone: nothing wanted");
  } finally {
    relayA.close();
    relayB.close();
  }
});

Deno.test("last-N and layers: a camera left out of a subscriber's last-N gets no layer, so its publisher is not asked to encode it", async () => {
  const hub = new InMemoryBusHub();
  const relay = newRelay(hub, "a");
  try {
    const cameras = [new RecordingConnection(), new RecordingConnection()];
    const inputs = cameras.map((camera, i) => relay.accept(camera, guest(`cam${i}`))!);
    for (const input of inputs) {
      input.onPacket(
        encodePacket({
          body: {
            case: "trackState",
            value: { tracks: [{ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8, layers: LAYERS }] },
          },
        }),
      );
    }
    // The cameras watch nothing themselves, so only the viewer's choice makes demand.
    for (const input of inputs) {
      input.onPacket(
        encodePacket({
          body: { case: "setSubscriptions", value: { mode: SubscriptionMode.EXPLICIT, tracks: [] } },
        }),
      );
    }
    const viewer = new RecordingConnection();
    const viewerIn = relay.accept(viewer, guest("viewer"))!;
    await wait(20);
    viewerIn.onPacket(
      encodePacket({
        body: {
          case: "setSubscriptions",
          value: {
            mode: SubscriptionMode.EXPLICIT,
            lastN: 1,
            tracks: cameras.map((camera) => ({
              sessionId: camera.sessionId(),
              trackId: 2,
              widthPx: 320,
              heightPx: 180,
            })),
          },
        },
      }),
    );
    await wait(200);
    // Nobody spoke: last-N keeps the first camera the relay learned of.
    assert.equal(cameras[0]!.layerDemands().at(-1), 0b001, "the camera in the viewer's last-N: layer 0");
    assert.equal(cameras[1]!.layerDemands().at(-1), 0, "the camera left out: nothing to encode");
    inputs[1]!.onPacket(frame(0, true));
    inputs[0]!.onPacket(frame(0, true));
    await wait(10);
    assert.deepEqual(viewer.media(), ["0K"], "only the first camera's frame reaches the viewer");
  } finally {
    relay.close();
  }
});
