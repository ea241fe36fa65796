import { create, toBinary } from "@bufbuild/protobuf";
import { assert, assertEquals } from "../../../test/fixtures/assert.ts";
import { decodePacket, encodePacket } from "./codec.ts";
import { Codec, MediaKind, PacketSchema, SubscriptionMode } from "./gen/videocall/v1/packet_pb.ts";
import {
  BodyField,
  bodyClassOf,
  RoutingHeader,
  scanRoutingHeader,
  stampFromSession,
} from "./routing-header.ts";

Deno.test("scan reads the media header written by the generated codec and skips the payload", () => {
  const payload = new Uint8Array(1200).fill(7);
  const bytes = encodePacket({
    body: {
      case: "media",
      value: {
        trackId: 2,
        kind: MediaKind.VIDEO,
        keyframe: true,
        sequence: 123456,
        captureTimeUs: BigInt(Date.now() * 1000),
        codec: Codec.VP8,
        payload,
      },
    },
  });
  const header = new RoutingHeader();
  assert(scanRoutingHeader(bytes, header), header.error);
  assertEquals(header.body, BodyField.media);
  assertEquals(header.trackId, 2);
  assertEquals(header.kind, MediaKind.VIDEO);
  assertEquals(header.keyframe, true);
  assertEquals(header.sequence, 123456);
  assert(Math.abs(header.captureTimeUs - Date.now() * 1000) < 10_000_000);
  assertEquals(header.payloadBytes, 1200);
  assertEquals(header.fromSessionOffset, 1, "the placeholder stamp is encoded first");
});

Deno.test("scan reads the layer fields the generated codec writes, in any field order", () => {
  const header = new RoutingHeader();
  for (const [layer, temporalLayer] of [
    [0, 0],
    [2, 1],
    [1, 2],
    [127, 300],
  ] as const) {
    const bytes = encodePacket({
      body: {
        case: "media",
        value: {
          trackId: 3,
          kind: MediaKind.VIDEO,
          sequence: 9,
          layer,
          temporalLayer,
          payload: new Uint8Array(40),
        },
      },
    });
    assert(scanRoutingHeader(bytes, header), header.error);
    assertEquals([header.layer, header.temporalLayer], [layer, temporalLayer]);
    assertEquals(header.trackId, 3);
    assertEquals(header.payloadBytes, 40);
    const decoded = decodePacket(bytes);
    assert(decoded.body.case === "media");
    assertEquals([decoded.body.value.layer, decoded.body.value.temporalLayer], [layer, temporalLayer]);
  }
  // The payload first and the layers last (another encoder's order): still read, and reset between packets.
  const reordered = new Uint8Array([0x12, 0x0a, 0x7a, 0x02, 0xaa, 0xbb, 0x08, 0x05, 0x40, 0x02, 0x48, 0x01]);
  assert(scanRoutingHeader(reordered, header), header.error);
  assertEquals([header.trackId, header.layer, header.temporalLayer, header.payloadBytes], [5, 2, 1, 2]);
  assert(scanRoutingHeader(encodePacket({ body: { case: "media", value: { trackId: 1 } } }), header));
  assertEquals([header.layer, header.temporalLayer], [0, 0]);
});

Deno.test("scan reads an audio frame's level and a key frame request's layer, and resets both between packets", () => {
  const header = new RoutingHeader();
  for (const audioLevel of [0, 1, 90, 127]) {
    const bytes = encodePacket({
      body: {
        case: "media",
        value: { trackId: 1, kind: MediaKind.AUDIO, audioLevel, payload: new Uint8Array(60) },
      },
    });
    assert(scanRoutingHeader(bytes, header), header.error);
    assertEquals(header.audioLevel, audioLevel);
    assertEquals(header.payloadBytes, 60);
  }
  const forLayer = encodePacket({
    body: { case: "keyframeRequest", value: { targetSessionId: 7, trackId: 2, layer: 1 } },
  });
  assert(scanRoutingHeader(forLayer, header), header.error);
  assertEquals(
    [header.targetSessionId, header.trackId, header.keyframeLayer, header.audioLevel],
    [7, 2, 1, 0],
  );
  const forTrack = encodePacket({
    body: { case: "keyframeRequest", value: { targetSessionId: 7, trackId: 2 } },
  });
  assert(scanRoutingHeader(forTrack, header), header.error);
  assertEquals(header.keyframeLayer, -1, "absent: every layer");
  const layerZero = encodePacket({
    body: { case: "keyframeRequest", value: { targetSessionId: 7, trackId: 2, layer: 0 } },
  });
  assert(scanRoutingHeader(layerZero, header), header.error);
  assertEquals(header.keyframeLayer, 0, "an explicit layer 0 is not 'every layer'");
});

Deno.test("stamping in place sets from_session_id and keeps the payload byte for byte", () => {
  const payload = crypto.getRandomValues(new Uint8Array(300));
  const bytes = encodePacket({
    body: { case: "media", value: { trackId: 1, kind: MediaKind.AUDIO, payload } },
  });
  const header = new RoutingHeader();
  assert(scanRoutingHeader(bytes, header));
  const stamped = stampFromSession(bytes, header, 0xdeadbeef);
  assert(stamped === bytes, "no copy when the placeholder is there");
  const decoded = decodePacket(stamped);
  assertEquals(decoded.fromSessionId, 0xdeadbeef);
  assert(decoded.body.case === "media");
  assertEquals(decoded.body.value.payload, payload);
});

Deno.test("a packet without the placeholder is stamped on a copy, and a forged stamp cannot survive", () => {
  // Encoded without from_session_id (a client that does not use encodePacket).
  const plain = toBinary(PacketSchema, create(PacketSchema, { body: { case: "ping", value: { nonce: 5 } } }));
  const header = new RoutingHeader();
  assert(scanRoutingHeader(plain, header));
  assertEquals(header.fromSessionOffset, -1);
  const stamped = stampFromSession(plain, header, 42);
  assertEquals(decodePacket(stamped).fromSessionId, 42);

  // A forged stamp placed after the body, in addition to the placeholder, is a duplicate field.
  const forged = new Uint8Array([...encodePacket({ body: { case: "ping", value: {} } }), 0x0d, 1, 0, 0, 0]);
  assertEquals(scanRoutingHeader(forged, header), false);
  assertEquals(header.error, "duplicate-field");
});

Deno.test("malformed packets are rejected with a reason", () => {
  const header = new RoutingHeader();
  const cases: Array<[Uint8Array, string]> = [
    [new Uint8Array([]), "no-body"],
    [new Uint8Array([0x12, 0x05, 0x08]), "truncated"],
    [new Uint8Array([0x0d, 1, 2]), "truncated"],
    [new Uint8Array([0x82, 0x04, 0x00]), "unknown-field"], // field 64: past the extension ranges
    [new Uint8Array([0x60, 0x00]), "bad-wire-type"], // field 12 as varint
    [new Uint8Array([0x10, 0x01]), "bad-wire-type"], // field 2 as varint
    [new Uint8Array([0x2a, 0x00, 0x2a, 0x00]), "several-bodies"],
    [new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), "truncated"],
    [new TextEncoder().encode("hello world"), "bad-wire-type"], // 'h': field 13 as varint
  ];
  for (const [bytes, expected] of cases) {
    assertEquals(scanRoutingHeader(bytes, header), false, `accepted ${bytes}`);
    assertEquals(header.error, expected, `for ${bytes}`);
  }
});

Deno.test("every well-formed body type scans, and random bytes never throw", () => {
  const header = new RoutingHeader();
  const bodies = [
    encodePacket({
      body: { case: "trackState", value: { tracks: [{ trackId: 1, kind: MediaKind.AUDIO }] } },
    }),
    encodePacket({ body: { case: "keyframeRequest", value: { targetSessionId: 77, trackId: 2 } } }),
    encodePacket({ body: { case: "pong", value: { nonce: 1 } } }),
    encodePacket({
      body: {
        case: "setSubscriptions",
        value: {
          mode: SubscriptionMode.EXPLICIT,
          tracks: [{ sessionId: 7, trackId: 2, maxLayer: 1 }],
        },
      },
    }),
    encodePacket({ body: { case: "goodbye", value: { reason: "bye" } } }),
  ];
  assert(scanRoutingHeader(bodies[3]!, header), header.error);
  assertEquals(header.body, BodyField.setSubscriptions);
  for (const bytes of bodies) assert(scanRoutingHeader(bytes, header), header.error);
  assertEquals(header.body, BodyField.goodbye);
  assert(scanRoutingHeader(bodies[1]!, header));
  assertEquals(header.targetSessionId, 77);
  assertEquals(header.trackId, 2);
  for (let i = 0; i < 2000; i++) {
    const random = crypto.getRandomValues(new Uint8Array(1 + (i % 64)));
    scanRoutingHeader(random, header); // must not throw
  }
});

/** A body field `field` (length-delimited) holding `content`, after the stamp placeholder. */
function packetWithBody(field: number, content: number[]): Uint8Array {
  const tag = (field << 3) | 2;
  const tagBytes = tag < 0x80 ? [tag] : [(tag & 0x7f) | 0x80, tag >> 7];
  return new Uint8Array([0x0d, 0, 0, 0, 0, ...tagBytes, content.length, ...content]);
}

Deno.test("body numbers 12..63 scan whether known or not, classified by range; field 1 of a targeted extension is its target", () => {
  const header = new RoutingHeader();
  for (const [field, expected] of [
    [12, "core"],
    [31, "core"],
    [32, "broadcast-extension"],
    [47, "broadcast-extension"],
    [48, "targeted-extension"],
    [63, "targeted-extension"],
  ] as const) {
    assert(scanRoutingHeader(packetWithBody(field, [0x08, 0x2a, 0x12, 0x01, 0x7f]), header), `${field}`);
    assertEquals(header.body, field);
    assertEquals(bodyClassOf(field), expected);
    assertEquals(header.fromSessionOffset, 1);
    if (expected === "targeted-extension") assertEquals(header.targetSessionId, 42);
  }
  assertEquals(scanRoutingHeader(packetWithBody(64, []), header), false);
  assertEquals(header.error, "unknown-field");
});

Deno.test("the generated codec decodes an unknown body without throwing: a v1 peer ignores extension bodies", () => {
  const decoded = decodePacket(packetWithBody(40, [0x0a, 0x02, 0x68, 0x69]));
  assertEquals(decoded.body.case, undefined);
  assertEquals(decoded.fromSessionId, 0);
});
