/**
 * The session's packet handling against what a broken server or a hostile peer can put on the
 * wire, fed straight in through a loopback PacketTransport (no network needed for these bytes).
 */
import {
  CloseCode,
  Codec,
  encodePacket,
  MAX_TRACKS_PER_PARTICIPANT,
  MediaKind,
  type PacketInit,
  PROTOCOL_VERSION,
  type Welcome,
} from "@videocall/protocol";
import { assert, assertEquals } from "../../../../test/fixtures/assert.ts";
import type { PacketTransport, TransportCloseInfo } from "../transport/packet-transport.ts";
import { MeetingSession } from "./meeting-session.ts";

const OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const PEER = 7;

class LoopbackTransport implements PacketTransport {
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
}

/** Encodes `packet` as the relay forwards it from PEER: stamped in place (a fixed32 after its tag byte). */
function fromPeer(packet: PacketInit): Uint8Array {
  const bytes = encodePacket(packet);
  new DataView(bytes.buffer).setUint32(1, PEER, true);
  return bytes;
}

function join(reconnect = false): { session: MeetingSession; transport: LoopbackTransport } {
  const transport = new LoopbackTransport();
  const welcome: Welcome = {
    $typeName: "videocall.v1.Welcome",
    protocolVersion: PROTOCOL_VERSION,
    sessionId: 1,
    meetingId: "m",
    participants: [
      {
        $typeName: "videocall.v1.Participant",
        sessionId: PEER,
        username: "mallory",
        tracks: [],
        identity: "",
        role: 0,
        guest: false,
        videoDecoders: [],
      },
    ],
    heartbeatIntervalMs: 5000,
    serverVersion: "test",
    grants: 0,
    e2eeRequired: false,
  };
  const session = new MeetingSession(
    { transport, welcome, early: [] },
    { serverUrl: "http://127.0.0.1:9", username: "alice", meetingId: "m", reconnect },
  );
  return { session, transport };
}

const media = (sequence: number) =>
  fromPeer({
    body: {
      case: "media",
      value: {
        trackId: 2,
        kind: MediaKind.VIDEO,
        codec: Codec.VP8,
        keyframe: false,
        sequence,
        captureTimeUs: 0n,
        durationUs: 0,
        payload: new Uint8Array([1, 2, 3]),
      },
    },
  });

/** Without the console noise of the one warning the session logs for the first dropped packet. */
async function quietly<T>(body: () => T | Promise<T>): Promise<T> {
  const { warn, error } = console;
  console.warn = console.error = () => {};
  try {
    return await body();
  } finally {
    console.warn = warn;
    console.error = error;
  }
}

Deno.test(
  "malformed packets from the server are dropped and counted; the next ones are handled",
  OPTIONS,
  async () => {
    const { session, transport } = join();
    const sequences: number[] = [];
    session.events.on("media", (_from, m) => sequences.push(m.sequence));
    const valid = media(1);
    const garbage = [
      new Uint8Array([0x02, 0x01, 0x00]), // field 0: "illegal tag"
      new Uint8Array([0x1a, 0x02, 0x1c, 0x00]), // a TrackState holding an end-group tag in an unknown field: "cant skip wire type 4"
      valid.subarray(0, valid.length - 2), // truncated: "premature EOF"
      new Uint8Array([0x12, 0xff, 0xff, 0xff, 0xff, 0x0f]), // a Media claiming 4 GiB
      new Uint8Array(64).fill(0xff),
    ];
    await quietly(() => {
      for (const bytes of garbage) transport.onPacket(bytes);
    });
    transport.onPacket(media(2));
    assertEquals(sequences, [2]);
    assertEquals(session.stats().packetsDropped, garbage.length);
    assert(!session.isClosed, "still in the meeting");
    await session.leave();
  },
);

Deno.test(
  "a malformed TrackState from a peer is dropped; the peer's next valid one applies",
  OPTIONS,
  async () => {
    const { session, transport } = join();
    let changes = 0;
    session.events.on("tracksChanged", () => changes++);
    // Packet{from=7, track_state={tracks: [<garbage>]}}: the routing header is fine, the body is not.
    const header = fromPeer({ body: { case: "trackState", value: { tracks: [] } } });
    const malformed = new Uint8Array([...header.subarray(0, 5), 0x1a, 0x04, 0x0a, 0x05, 0x08, 0x80]);
    await quietly(() => transport.onPacket(malformed));
    assertEquals(changes, 0);
    transport.onPacket(
      fromPeer({
        body: {
          case: "trackState",
          value: {
            tracks: [
              {
                $typeName: "videocall.v1.TrackInfo",
                trackId: 2,
                kind: MediaKind.VIDEO,
                codec: Codec.VP8,
                muted: false,
                layers: [],
                audioLevels: false,
              },
            ],
          },
        },
      }),
    );
    assertEquals(changes, 1);
    assertEquals(session.participants.get(PEER)?.tracks.length, 1);
    assertEquals(session.stats().packetsDropped, 1);
    await session.leave();
  },
);

Deno.test(
  "a TrackState listing thousands of tracks, duplicates and unknown kinds is kept bounded",
  OPTIONS,
  async () => {
    const { session, transport } = join();
    const tracks = Array.from({ length: 5000 }, (_, i) => ({
      $typeName: "videocall.v1.TrackInfo" as const,
      trackId: i % 3000,
      kind: (i % 7) as MediaKind,
      codec: (i % 11) as Codec,
      muted: false,
      layers: [],
      audioLevels: false,
    }));
    transport.onPacket(fromPeer({ body: { case: "trackState", value: { tracks } } }));
    const kept = session.participants.get(PEER)?.tracks ?? [];
    assertEquals(kept.length, MAX_TRACKS_PER_PARTICIPANT);
    assertEquals(new Set(kept.map((t) => t.trackId)).size, kept.length, "one entry per track id");
    await session.leave();
  },
);

Deno.test("a listener that throws cannot stop the packets after it", OPTIONS, async () => {
  const { session, transport } = join();
  const sequences: number[] = [];
  session.events.on("media", (_from, m) => {
    if (m.sequence === 2) throw new Error("listener bug");
  });
  session.events.on("media", (_from, m) => sequences.push(m.sequence));
  await quietly(() => {
    for (let sequence = 1; sequence <= 3; sequence++) transport.onPacket(media(sequence));
  });
  assertEquals(sequences, [1, 2, 3]);
  assertEquals(session.events.listenerErrors, 1);
  assert(!session.isClosed);
  await session.leave();
});

Deno.test(
  "when the transport gives up on a broken server it reconnects; a server's refusal ends the call",
  OPTIONS,
  async () => {
    const broken = join(true);
    const reconnecting = broken.session.events.once("reconnecting");
    broken.transport.onClose({
      code: CloseCode.invalidPayload,
      reason: "a stream frame over the limit",
      local: true,
    });
    const [attempt, , reason] = await reconnecting;
    assertEquals(attempt, 1);
    assertEquals(reason, "a stream frame over the limit");
    await broken.session.leave();

    const refused = join(true);
    refused.transport.onClose({ code: CloseCode.invalidPayload, reason: "bad input", local: false });
    assertEquals((await refused.session.closed).code, CloseCode.invalidPayload);
  },
);
