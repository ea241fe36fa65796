/** LocalTrack as an entity: ids allocated per session, TrackState following adds, mutes and closes. */
import {
  Codec,
  decodePacket,
  encodePacket,
  MediaKind,
  PROTOCOL_VERSION,
  type TrackInfo,
  type Welcome,
} from "@videocall/protocol";
import { assert, assertEquals } from "../../../../test/fixtures/assert.ts";
import type { PacketTransport, TransportCloseInfo } from "../transport/packet-transport.ts";
import { MeetingSession } from "./meeting-session.ts";

const OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;

class RecordingTransport implements PacketTransport {
  readonly kind = "websocket" as const;
  readonly bufferedBytes = 0;
  sent: Uint8Array[] = [];
  onPacket: (packet: Uint8Array) => void = () => {};
  onClose: (info: TransportCloseInfo) => void = () => {};
  send(packet: Uint8Array): void {
    this.sent.push(packet);
  }
  close(code = 1000, reason = ""): void {
    queueMicrotask(() => this.onClose({ code, reason, local: true }));
  }
  /** The track ids of the last TrackState sent, in order. */
  lastTrackState(): TrackInfo[] {
    for (const bytes of [...this.sent].reverse()) {
      const body = decodePacket(bytes).body;
      if (body.case === "trackState") return body.value.tracks;
    }
    return [];
  }
}

function join(): { session: MeetingSession; transport: RecordingTransport } {
  const transport = new RecordingTransport();
  const welcome: Welcome = {
    $typeName: "videocall.v1.Welcome",
    protocolVersion: PROTOCOL_VERSION,
    sessionId: 1,
    meetingId: "m",
    participants: [],
    heartbeatIntervalMs: 5000,
    serverVersion: "test",
    grants: 0,
    e2eeRequired: false,
  };
  const session = new MeetingSession(
    { transport, welcome, early: [] },
    { serverUrl: "http://127.0.0.1:9", username: "alice", meetingId: "m", reconnect: false },
  );
  return { session, transport };
}

Deno.test("camera, microphone, screen and screen audio coexist, each with its own id", OPTIONS, async () => {
  const { session, transport } = join();
  const camera = session.publishTrack({ kind: MediaKind.VIDEO, codec: Codec.VP8 });
  const microphone = session.publishTrack({ kind: MediaKind.AUDIO, codec: Codec.OPUS });
  const screen = session.publishTrack({ kind: MediaKind.SCREEN, codec: Codec.VP8 });
  const screenAudio = session.publishTrack({ kind: MediaKind.AUDIO, codec: Codec.OPUS });
  const ids = [camera, microphone, screen, screenAudio].map((track) => track.trackId);
  assertEquals(new Set(ids).size, 4);
  assertEquals(
    transport.lastTrackState().map((track) => track.trackId),
    ids,
  );

  // Removed mid-call: the TrackState follows, and a new track never reuses the id.
  screen.close();
  assertEquals(
    transport.lastTrackState().map((track) => track.trackId),
    [camera.trackId, microphone.trackId, screenAudio.trackId],
  );
  assert(!screen.sendFrame({ keyframe: true, captureTimeUs: 1, payload: new Uint8Array(3) }));
  const again = session.publishTrack({ kind: MediaKind.SCREEN, codec: Codec.VP8 });
  assert(!ids.includes(again.trackId), "a new track gets a fresh id");

  camera.setMuted(true);
  assertEquals(transport.lastTrackState().find((track) => track.trackId === camera.trackId)?.muted, true);

  assert(
    camera.sendFrame({ keyframe: true, captureTimeUs: 1, durationUs: 33_333.3, payload: new Uint8Array(5) }),
  );
  assert(camera.sendFrame({ keyframe: false, captureTimeUs: 2, payload: new Uint8Array(7) }));
  assertEquals(camera.stats().framesSent, 2);
  assertEquals(camera.stats().keyframesSent, 1);
  assertEquals(camera.stats().bytesSent, 12);
  const sequences = transport.sent
    .map((bytes) => decodePacket(bytes).body)
    .flatMap((body) => (body.case === "media" ? [body.value.sequence] : []));
  assertEquals(sequences, [1, 2]);
  await session.leave();
  assert(camera.closed && microphone.closed, "the tracks end with the session");
});

Deno.test("a key frame request reaches the track it names, and only that one", OPTIONS, async () => {
  const { session, transport } = join();
  const first = session.publishTrack({ kind: MediaKind.VIDEO, codec: Codec.VP8 });
  const second = session.publishTrack({ kind: MediaKind.SCREEN, codec: Codec.VP8 });
  let firstAsked = 0;
  let secondAsked = 0;
  first.events.on("keyframeRequested", () => firstAsked++);
  second.events.on("keyframeRequested", () => secondAsked++);
  transport.onPacket(
    encodePacket({
      body: { case: "keyframeRequest", value: { targetSessionId: 1, trackId: second.trackId } },
    }),
  );
  assertEquals([firstAsked, secondAsked], [0, 1]);
  assertEquals(second.stats().keyframeRequests, 1);
  await session.leave();
});

Deno.test(
  "simulcast: TrackInfo announces the layers, and each layer numbers its own sequence",
  OPTIONS,
  async () => {
    const { session, transport } = join();
    try {
      const layers = [
        { layer: 0, widthPx: 320, heightPx: 180, bitrateBps: 150_000 },
        { layer: 1, widthPx: 640, heightPx: 360, bitrateBps: 500_000 },
      ];
      const camera = session.publishTrack({ kind: MediaKind.VIDEO, codec: Codec.VP8, layers });
      assertEquals(
        transport.lastTrackState()[0]?.layers.map((layer) => [layer.layer, layer.widthPx, layer.bitrateBps]),
        [
          [0, 320, 150_000],
          [1, 640, 500_000],
        ],
      );
      transport.sent = [];
      const payload = new Uint8Array([1]);
      for (const layer of [0, 1, 0, 1, 1, 0]) {
        camera.sendFrame({ keyframe: false, captureTimeUs: 1, layer, payload });
      }
      const sent = transport.sent
        .map((bytes) => decodePacket(bytes).body)
        .filter((body) => body.case === "media");
      assertEquals(
        sent.map((body) => [body.value.layer, body.value.sequence]),
        [
          [0, 1],
          [1, 1],
          [0, 2],
          [1, 2],
          [1, 3],
          [0, 3],
        ],
      );
      camera.setLayers(layers.slice(0, 1));
      assertEquals(transport.lastTrackState()[0]?.layers.length, 1, "a new ladder is announced again");
    } finally {
      await session.leave();
    }
  },
);
