import { Codec, ConnectionError, joinMeeting, type Media, MediaKind } from "@videocall/client";
import {
  CloseCode,
  decodePacket,
  encodePacket,
  frameOnStream,
  joinSubprotocols,
  PARTICIPANT_GRANTS,
  type Packet,
  PROTOCOL_VERSION,
  StreamDeframer,
} from "@videocall/protocol";
import { mintRoomToken } from "../../packages/server/src/auth/room-token.ts";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { openRawClient } from "../fixtures/raw-client.ts";
import { metricValue, startServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";
import { openRawSession } from "../fixtures/webtransport-raw.ts";

/** A WebSocket client that keeps every received packet's bytes, offering `protocols` (none: a v1 client). */
async function openByteSocket(
  serverUrl: string,
  username: string,
  meetingId: string,
  protocols: string[] = [],
) {
  const url = `${serverUrl.replace(/^http/, "ws")}/lobby/${username}/${meetingId}`;
  const socket = protocols.length > 0 ? new WebSocket(url, protocols) : new WebSocket(url);
  socket.binaryType = "arraybuffer";
  const received: Uint8Array[] = [];
  socket.onmessage = (event) => {
    if (event.data instanceof ArrayBuffer) received.push(new Uint8Array(event.data));
  };
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.onclose = (event) => resolve({ code: event.code, reason: event.reason });
  });
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error(`cannot open ${url}`));
  });
  await waitFor(`${username}'s Welcome`, () => received.length > 0);
  const welcome = decodePacket(received[0]!);
  assert(welcome.body.case === "welcome", `${username} is welcomed`);
  return {
    socket,
    received,
    closed,
    welcome: welcome.body.value,
    send: (bytes: Uint8Array) => socket.send(bytes as Uint8Array<ArrayBuffer>),
    decoded: (): Packet[] => received.map((bytes) => decodePacket(bytes)),
  };
}

/** A packet with body `field` (length-delimited) holding `content`, after the stamp placeholder. */
function packetWithBody(field: number, content: number[]): Uint8Array {
  const tag = (field << 3) | 2;
  const tagBytes = tag < 0x80 ? [tag] : [(tag & 0x7f) | 0x80, tag >> 7];
  return new Uint8Array([0x0d, 0, 0, 0, 0, ...tagBytes, content.length, ...content]);
}

const audio = (sequence: number) =>
  encodePacket({
    body: {
      case: "media",
      value: {
        trackId: 1,
        kind: MediaKind.AUDIO,
        codec: Codec.OPUS,
        sequence,
        captureTimeUs: BigInt(Date.now() * 1000),
        payload: new Uint8Array(80).fill(sequence & 0xff),
      },
    },
  });

Deno.test("v1 clients (no negotiation) and current clients share a call on both transports: each is welcomed at its version and they hear each other", async () => {
  const server = await startServer();
  try {
    const oldWs = await openRawClient("websocket", server.url, "oldws", "mixed");
    const oldWt = await openRawClient("webtransport", server.url, "oldwt", "mixed");
    const newWs = await joinMeeting({
      serverUrl: server.url,
      username: "newws",
      meetingId: "mixed",
      transport: "websocket",
    });
    const newWt = await joinMeeting({
      serverUrl: server.url,
      username: "newwt",
      meetingId: "mixed",
      transport: "webtransport",
    });
    const welcomeOf = (packets: Packet[]) => {
      const first = packets[0]?.body;
      return first?.case === "welcome" ? first.value : undefined;
    };
    await waitFor(
      "the v1 clients' Welcomes",
      () => !!welcomeOf(oldWs.received) && !!welcomeOf(oldWt.received),
    );
    assertEquals(welcomeOf(oldWs.received)?.protocolVersion, 1, "a v1 WebSocket client is admitted as v1");
    assertEquals(welcomeOf(oldWt.received)?.protocolVersion, 1, "a v1 WebTransport client is admitted as v1");
    assertEquals(newWs.protocolVersion, PROTOCOL_VERSION);
    assertEquals(newWt.protocolVersion, PROTOCOL_VERSION);
    await waitFor(
      "the current clients to see everyone",
      () => newWs.participants.size === 3 && newWt.participants.size === 3,
    );
    assertEquals([...newWs.participants.values()].map((p) => p.username).sort(), ["newwt", "oldws", "oldwt"]);

    // Audio from a v1 client reaches the current ones; audio from a current client reaches the v1 ones.
    const heardByNew = new Map<string, Media[]>([
      ["newws", []],
      ["newwt", []],
    ]);
    newWs.events.on("media", (_from, media) => heardByNew.get("newws")!.push(media));
    newWt.events.on("media", (_from, media) => heardByNew.get("newwt")!.push(media));
    for (let i = 1; i <= 5; i++) oldWs.send(audio(i));
    // Video from the current WebTransport client: it travels on streams (the raw v1 clients read no datagrams).
    newWt.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 });
    for (let i = 0; i < 5; i++) {
      newWt.sendFrame(2, { keyframe: true, captureTimeUs: Date.now() * 1000, payload: new Uint8Array(600) });
    }
    const mediaFrom = (packets: Packet[], sessionId: number) =>
      packets.filter((p) => p.body.case === "media" && p.fromSessionId === sessionId).length;
    const counts = () =>
      JSON.stringify({
        newws: heardByNew.get("newws")!.length,
        newwt: heardByNew.get("newwt")!.length,
        oldws: mediaFrom(oldWs.received, newWt.sessionId),
        oldwt: mediaFrom(oldWt.received, newWt.sessionId),
      });
    await waitFor(
      "media both ways",
      () =>
        heardByNew.get("newws")!.length === 10 &&
        heardByNew.get("newwt")!.length >= 3 && // audio datagrams may drop, even on loopback
        mediaFrom(oldWs.received, newWt.sessionId) === 5 &&
        mediaFrom(oldWt.received, newWt.sessionId) === 5,
      10_000,
    ).catch((error) => {
      throw new Error(`${error.message}: ${counts()}`);
    });
    await newWs.leave();
    await newWt.leave();
    oldWs.close();
    oldWt.close();
  } finally {
    await server.stop();
  }
});

Deno.test("a client offering only versions the server lacks is refused with 4010 and a reason naming both, on both transports", async () => {
  const server = await startServer();
  try {
    for (const transport of ["websocket", "webtransport"] as const) {
      const error = await joinMeeting({
        serverUrl: server.url,
        username: "future",
        meetingId: "versions",
        transport,
        protocolVersions: { min: PROTOCOL_VERSION + 1, max: PROTOCOL_VERSION + 2 },
        reconnect: false,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert(error instanceof ConnectionError, `${transport}: refused`);
      assertEquals(error.reason, "rejected", transport);
      assertEquals(error.closeCode, CloseCode.unsupportedProtocolVersion, transport);
      const named = new RegExp(`v1-v${PROTOCOL_VERSION}.*v${PROTOCOL_VERSION + 1}-v${PROTOCOL_VERSION + 2}`);
      assert(named.test(error.message), `${transport}: "${error.message}"`);
    }
    assertEquals(
      metricValue(await server.metrics(), "videocall_bad_input_total", { reason: "unsupported_version" }),
      2,
    );
  } finally {
    await server.stop();
  }
});

Deno.test("the credential travels in a subprotocol, never logged; the server answers with the version it picked", async () => {
  const credentials = { apiKey: "test-key", apiSecret: "a-secret-of-at-least-thirty-two-bytes!" };
  const server = await startServer({
    extraArgs: ["--api-key", credentials.apiKey, "--api-secret", credentials.apiSecret],
  });
  try {
    const secret = await mintRoomToken(credentials, {
      identity: "user-carol",
      displayName: "carol",
      meetingId: "cred",
      grants: PARTICIPANT_GRANTS,
      ttlSeconds: 600,
    });
    const client = await openByteSocket(
      server.url,
      "carol",
      "cred",
      joinSubprotocols({ versions: { min: 1, max: 2 }, credential: secret }),
    );
    assertEquals(client.socket.protocol, "videocall.v2");
    assertEquals(client.welcome.protocolVersion, 2);
    const v1Only = await openByteSocket(server.url, "dave", "cred", ["videocall.v1"]);
    assertEquals(v1Only.socket.protocol, "videocall.v1");
    assertEquals(v1Only.welcome.protocolVersion, 1);
    // Over WebTransport the Join carries it.
    const raw = await openRawSession(server.url, "/lobby/erin/cred");
    await raw.session.ready;
    const stream = await raw.session.createBidirectionalStream();
    const writer = stream.writable.getWriter();
    const received: Packet[] = [];
    const reading = (async () => {
      const deframer = new StreamDeframer(1 << 20);
      for await (const chunk of stream.readable)
        deframer.push(chunk, (p) => received.push(decodePacket(p.slice())));
    })().catch(() => {});
    await writer.write(
      frameOnStream(
        encodePacket({
          body: { case: "join", value: { minProtocolVersion: 1, maxProtocolVersion: 9, credential: secret } },
        }),
      ),
    );
    await waitFor("erin's Welcome", () => received.length > 0);
    const welcome = received[0]!.body;
    assert(welcome.case === "welcome");
    assertEquals(welcome.value.protocolVersion, PROTOCOL_VERSION, "the highest both speak");
    const output = server.output();
    assert(!output.includes(secret), "the credential is not in the server's log");
    assert(!output.includes(btoa(secret).replace(/=+$/, "")), "nor its encoding");
    client.socket.close();
    v1Only.socket.close();
    raw.session.close();
    await reading;
  } finally {
    await server.stop();
  }
});

Deno.test("extension bodies reach the others unchanged (broadcast 32..47, targeted 48..63); an unknown core body is dropped and counted, not fatal", async () => {
  const server = await startServer();
  try {
    const alice = await openByteSocket(server.url, "alice", "ext"); // v1: predates every extension
    const bob = await openByteSocket(server.url, "bob", "ext", ["videocall.v2"]);
    const carol = await openByteSocket(server.url, "carol", "ext", ["videocall.v2"]);
    const library = await joinMeeting({ serverUrl: server.url, username: "lib", meetingId: "ext" });
    await waitFor("everyone joined", () => library.participants.size === 3);
    const seen = { alice: alice.received.length, bob: bob.received.length, carol: carol.received.length };

    const broadcast = packetWithBody(40, [0x0a, 0x05, ...new TextEncoder().encode("hello")]);
    alice.send(broadcast.slice());
    // Field 1 of a targeted body names its target: carol only.
    const targeted = packetWithBody(50, [0x08, ...varint(carol.welcome.sessionId), 0x12, 0x02, 0xbe, 0xef]);
    bob.send(targeted.slice());
    const unknownCore = packetWithBody(30, [0x08, 0x01]); // 30: no body yet (20 and 21 are relay-only bodies now)
    const before = metricValue(await server.metrics(), "videocall_unknown_control_dropped_total");
    alice.send(unknownCore);
    // Then something that must still arrive: proof the connection lives and the order holds.
    alice.send(audio(1));

    const withStamp = (bytes: Uint8Array, sessionId: number) => {
      const copy = bytes.slice();
      new DataView(copy.buffer).setUint32(1, sessionId, true);
      return copy;
    };
    const arrivedSince = (client: { received: Uint8Array[] }, from: number) => client.received.slice(from);
    await waitFor("alice's audio at bob and carol", () =>
      [bob, carol].every((c) =>
        arrivedSince(c, seen[c === bob ? "bob" : "carol"]).some((b) => decodePacket(b).body.case === "media"),
      ),
    );
    await waitFor("bob's targeted packet at carol", () =>
      arrivedSince(carol, seen.carol).some((b) => b.length === targeted.length && b[5] === targeted[5]),
    );
    const atBob = arrivedSince(bob, seen.bob);
    const atCarol = arrivedSince(carol, seen.carol);
    const expectedBroadcast = withStamp(broadcast, alice.welcome.sessionId);
    assert(
      atBob.some((b) => equalBytes(b, expectedBroadcast)),
      "bob got alice's broadcast byte for byte, stamped",
    );
    assert(
      atCarol.some((b) => equalBytes(b, expectedBroadcast)),
      "carol got it too",
    );
    assert(
      atCarol.some((b) => equalBytes(b, withStamp(targeted, bob.welcome.sessionId))),
      "carol got bob's targeted body, stamped",
    );
    assert(!atBob.some((b) => b[5] === targeted[5]), "a targeted body does not echo to its sender");
    assert(
      !arrivedSince(alice, seen.alice).some((b) => b[5] === targeted[5]),
      "nor reach anyone but its target (alice)",
    );
    for (const packets of [atBob, atCarol]) {
      assert(!packets.some((b) => b[5] === unknownCore[5]), "the unknown core body is not forwarded");
    }
    assertEquals(
      metricValue(await server.metrics(), "videocall_unknown_control_dropped_total"),
      before + 1,
      "and it is counted",
    );
    // A v1 peer's decoder and the client library ignore bodies they do not know.
    const chat = packetWithBody(33, [0x0a, 0x01, 0x21]);
    bob.send(chat.slice());
    await waitFor("the extension at alice (v1)", () =>
      alice.received.some(
        (b) => b[5] === chat[5] && b[6] === chat[6] && decodePacket(b).body.case === undefined,
      ),
    );
    alice.send(audio(2));
    await waitFor("the library session still hears alice", () => library.participants.size === 3);
    const heard: Media[] = [];
    library.events.on("media", (_from, media) => heard.push(media));
    alice.send(audio(3));
    await waitFor("the library session hears alice after the extensions", () => heard.length >= 1);
    assertEquals(library.isClosed, false);
    await library.leave();
    for (const c of [alice, bob, carol]) c.socket.close();
    await Promise.all([alice.closed, bob.closed, carol.closed]);
  } finally {
    await server.stop();
  }
});

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
