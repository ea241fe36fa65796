/**
 * Seed corpus for the fuzzers: valid packets of every body type, encoded by the project's own
 * `encodePacket`, with field values drawn by fast-check arbitraries (edge values included: 0,
 * 2^32-1, 2^64-1, empty and long strings, many tracks). Same seed, same corpus.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import {
  BodyField,
  Codec,
  encodePacket,
  LeaveReason,
  MediaKind,
  type PacketInit,
  SubscriptionMode,
} from "@videocall/protocol";
import fc from "fast-check";
import {
  BusNodeHeartbeatSchema,
  BusPresenceSchema,
} from "../../packages/protocol/src/gen/videocall/v1/bus_pb.ts";

export interface CorpusPacket {
  /** Which `Packet.body` field it carries. */
  body: BodyField;
  bytes: Uint8Array;
}

const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });
const smallUint = fc.oneof(fc.integer({ min: 0, max: 8 }), uint32);
const uint64 = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constant(0n));
const mediaKind = fc.constantFrom(
  MediaKind.UNSPECIFIED,
  MediaKind.AUDIO,
  MediaKind.VIDEO,
  MediaKind.SCREEN,
  7 as MediaKind,
);
const codec = fc.constantFrom(Codec.UNSPECIFIED, Codec.OPUS, Codec.VP8, Codec.VP9, Codec.H264, Codec.AV1);
const name = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), fc.string({ maxLength: 80 }));
const trackInfo = fc.record({ trackId: smallUint, kind: mediaKind, codec, muted: fc.boolean() });
const tracks = fc.array(trackInfo, { maxLength: 6 });
const participant = fc.record({ sessionId: uint32, username: name, tracks });
const leaveReason = fc.constantFrom(
  LeaveReason.UNSPECIFIED,
  LeaveReason.LEFT,
  LeaveReason.TIMED_OUT,
  LeaveReason.KICKED,
  LeaveReason.ERROR,
);

/** One arbitrary per body type, so a sample covers all of them evenly. */
const packetArbitraries: ReadonlyArray<[BodyField, fc.Arbitrary<PacketInit>]> = [
  [
    BodyField.media,
    fc
      .record({
        trackId: smallUint,
        kind: mediaKind,
        keyframe: fc.boolean(),
        sequence: uint32,
        captureTimeUs: uint64,
        codec,
        durationUs: smallUint,
        layer: smallUint,
        temporalLayer: smallUint,
        payload: fc.uint8Array({ maxLength: 96 }),
      })
      .map((value) => ({ body: { case: "media", value } }) as PacketInit),
  ],
  [
    BodyField.trackState,
    tracks.map((t) => ({ body: { case: "trackState", value: { tracks: t } } }) as PacketInit),
  ],
  [
    BodyField.keyframeRequest,
    fc
      .record({ targetSessionId: uint32, trackId: smallUint })
      .map((value) => ({ body: { case: "keyframeRequest", value } }) as PacketInit),
  ],
  [
    BodyField.ping,
    fc
      .record({ nonce: uint32, sentTimeUs: uint64 })
      .map((value) => ({ body: { case: "ping", value } }) as PacketInit),
  ],
  [
    BodyField.pong,
    fc
      .record({ nonce: uint32, sentTimeUs: uint64 })
      .map((value) => ({ body: { case: "pong", value } }) as PacketInit),
  ],
  [
    BodyField.welcome,
    fc
      .record({
        protocolVersion: smallUint,
        sessionId: uint32,
        meetingId: name,
        participants: fc.array(participant, { maxLength: 3 }),
        heartbeatIntervalMs: smallUint,
        serverVersion: name,
      })
      .map((value) => ({ body: { case: "welcome", value } }) as PacketInit),
  ],
  [
    BodyField.participantJoined,
    participant.map(
      (p) => ({ body: { case: "participantJoined", value: { participant: p } } }) as PacketInit,
    ),
  ],
  [
    BodyField.participantLeft,
    fc
      .record({ sessionId: uint32, reason: leaveReason })
      .map((value) => ({ body: { case: "participantLeft", value } }) as PacketInit),
  ],
  [BodyField.goodbye, name.map((reason) => ({ body: { case: "goodbye", value: { reason } } }) as PacketInit)],
  [BodyField.leave, fc.constant({ body: { case: "leave", value: {} } } as PacketInit)],
  [
    BodyField.setSubscriptions,
    fc
      .record({
        mode: fc.constantFrom(SubscriptionMode.ALL, SubscriptionMode.EXPLICIT, 5 as SubscriptionMode),
        tracks: fc.oneof(
          fc.constant([]),
          fc.array(
            fc.record(
              { sessionId: smallUint, trackId: smallUint, maxLayer: smallUint },
              { requiredKeys: ["sessionId", "trackId"] },
            ),
            { maxLength: 8 },
          ),
          // Over the 256 limit, one repeated entry.
          fc.constant(Array.from({ length: 257 }, (_, i) => ({ sessionId: 1, trackId: (i % 200) + 1 }))),
        ),
      })
      .map((value) => ({ body: { case: "setSubscriptions", value } }) as PacketInit),
  ],
];

/** `perBodyType` valid packets of each of the 11 body types. */
export function buildPacketCorpus(seed: number, perBodyType: number): CorpusPacket[] {
  const corpus: CorpusPacket[] = [];
  for (const [index, [body, arbitrary]] of packetArbitraries.entries()) {
    for (const init of fc.sample(arbitrary, { seed: seed + index, numRuns: perBodyType })) {
      corpus.push({ body, bytes: encodePacket(init) });
    }
  }
  return corpus;
}

/** Valid BusPresence messages (every event case) and BusNodeHeartbeats, as other nodes publish them. */
export function buildBusCorpus(seed: number, perKind: number): Uint8Array[] {
  const presence = fc.record({
    nodeId: name,
    event: fc.oneof(
      participant.map((p) => ({ case: "joined" as const, value: { participant: p } })),
      fc
        .record({ sessionId: uint32, reason: leaveReason })
        .map((value) => ({ case: "left" as const, value })),
      fc.constant({ case: "rosterRequest" as const, value: {} }),
      fc
        .array(participant, { maxLength: 4 })
        .map((participants) => ({ case: "roster" as const, value: { participants } })),
    ),
  });
  const heartbeat = fc.record({
    nodeId: name,
    publicUrl: fc.oneof(fc.webUrl(), fc.string({ maxLength: 40 })),
    participants: smallUint,
    meetings: smallUint,
    heartbeatIntervalMs: smallUint,
    leaving: fc.boolean(),
    startedAtMs: uint64,
  });
  return [
    ...fc
      .sample(presence, { seed, numRuns: perKind })
      .map((init) => toBinary(BusPresenceSchema, create(BusPresenceSchema, init))),
    ...fc
      .sample(heartbeat, { seed: seed + 1, numRuns: perKind })
      .map((init) => toBinary(BusNodeHeartbeatSchema, create(BusNodeHeartbeatSchema, init))),
  ];
}
