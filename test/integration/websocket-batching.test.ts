/**
 * Protocol v3 over WebSocket: the relay coalesces what one subscriber gets within an event-loop
 * turn into one message of length-prefixed packets; a v2 subscriber in the same meeting still
 * gets one packet per message. Real server process, raw sockets that keep every message's bytes.
 */
import { Codec, joinMeeting, MediaKind } from "@videocall/client";
import {
  decodePacket,
  decodePacketSafely,
  encodePacket,
  forEachPacketInBatch,
  MAX_PACKET_BYTES,
  type Packet,
} from "@videocall/protocol";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { startServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";

const MEETING = "batching";
const PUBLISHERS = 6;
const PACKETS_PER_BURST = 10;
const MAX_ROUNDS = 20;

/** A raw WebSocket offering one version; keeps every message as received. */
async function openMessageSocket(serverUrl: string, username: string, version: number) {
  const url = `${serverUrl.replace(/^http/, "ws")}/lobby/${username}/${MEETING}`;
  const socket = new WebSocket(url, [`videocall.v${version}`]);
  socket.binaryType = "arraybuffer";
  const messages: Uint8Array[] = [];
  socket.onmessage = (event) => {
    if (event.data instanceof ArrayBuffer) messages.push(new Uint8Array(event.data));
  };
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error(`cannot open ${url}`));
  });
  await waitFor(`${username}'s Welcome`, () => messages.length > 0);
  return { socket, messages };
}

/** The packets of a v3 message; throws if it is not a valid batch. */
function splitBatch(message: Uint8Array): Packet[] {
  const packets: Packet[] = [];
  const problem = forEachPacketInBatch(message, MAX_PACKET_BYTES, (p) =>
    packets.push(decodePacket(p.slice())),
  );
  if (problem) throw new Error(`not a batch: ${problem.kind}`);
  return packets;
}

const audioFrom = (publisher: number, sequence: number) =>
  encodePacket({
    body: {
      case: "media",
      value: {
        trackId: 1,
        kind: MediaKind.AUDIO,
        codec: Codec.OPUS,
        sequence: publisher * 100_000 + sequence,
        captureTimeUs: BigInt(Date.now() * 1000),
        payload: new Uint8Array(120).fill(sequence & 0xff),
      },
    },
  });

const mediaSequences = (packets: Packet[]) =>
  packets.flatMap((p) => (p.body.case === "media" ? [p.body.value.sequence] : []));

Deno.test("a v3 WebSocket subscriber gets what arrives in one turn as one batch message; a v2 subscriber gets one packet per message; both get every packet", async () => {
  const server = await startServer();
  try {
    const v3 = await openMessageSocket(server.url, "batched", 3);
    const v2 = await openMessageSocket(server.url, "plain", 2);
    assertEquals(v3.socket.protocol, "videocall.v3");
    assertEquals(v2.socket.protocol, "videocall.v2");
    // Even the Welcome is framed for v3, and is not for v2.
    const [welcome] = splitBatch(v3.messages[0]!);
    assertEquals(welcome?.body.case, "welcome");
    assertEquals(decodePacket(v2.messages[0]!).body.case, "welcome");
    const publishers = await Promise.all(
      Array.from({ length: PUBLISHERS }, (_, i) => openMessageSocket(server.url, `pub${i}`, 2)),
    );
    await waitFor("everyone's arrival", () => v2.messages.length >= 1 + PUBLISHERS);

    const sent: number[] = [];
    let rounds = 0;
    const largestBatch = () => Math.max(...v3.messages.map((m) => splitBatch(m).length));
    // Bursts from several sockets at once land in one relay turn; repeat until one did.
    while (rounds < MAX_ROUNDS && (rounds === 0 || largestBatch() < 2)) {
      for (let i = 0; i < PACKETS_PER_BURST; i++) {
        publishers.forEach((publisher, p) => {
          const sequence = rounds * PACKETS_PER_BURST + i;
          publisher.socket.send(audioFrom(p, sequence));
          sent.push(p * 100_000 + sequence);
        });
      }
      rounds++;
      const expected = sent.length;
      await waitFor("the burst at both subscribers", () => {
        const v3Media = mediaSequences(v3.messages.flatMap(splitBatch)).length;
        const v2Media = mediaSequences(v2.messages.map((m) => decodePacket(m))).length;
        return v3Media >= expected && v2Media >= expected;
      });
    }
    const v3Packets = v3.messages.flatMap(splitBatch);
    assertEquals(mediaSequences(v3Packets).sort(), [...sent].sort(), "the v3 subscriber got every packet");
    assert(largestBatch() >= 2, `a v3 message held several packets within ${rounds} rounds`);
    assert(v3.messages.length < v3Packets.length, "fewer messages than packets");

    // v2: every message is exactly one Packet (a batch's length prefix would not decode as one).
    for (const message of v2.messages) assert(decodePacketSafely(message).ok, "a v2 message is one packet");
    assertEquals(
      mediaSequences(v2.messages.map((m) => decodePacket(m))).sort(),
      [...sent].sort(),
      "the v2 subscriber got every packet",
    );
    for (const publisher of publishers) publisher.socket.close();
    v3.socket.close();
    v2.socket.close();
  } finally {
    await server.stop();
  }
});

Deno.test("the client library reads v3 batches: a v3 session hears a burst from another whole and in order", async () => {
  const server = await startServer();
  try {
    const listener = await joinMeeting({
      serverUrl: server.url,
      username: "listener",
      meetingId: MEETING,
      transport: "websocket",
    });
    const talker = await joinMeeting({
      serverUrl: server.url,
      username: "talker",
      meetingId: MEETING,
      transport: "websocket",
    });
    assertEquals(listener.protocolVersion, 3);
    const heard: number[] = [];
    listener.events.on("media", (_from, media) => heard.push(media.sequence));
    await waitFor("the talker's arrival", () => listener.participants.size >= 1);
    talker.publishTrack({ trackId: 1, kind: MediaKind.AUDIO, codec: Codec.OPUS });
    for (let i = 0; i < 50; i++) {
      talker.sendFrame(1, { keyframe: true, captureTimeUs: Date.now() * 1000, payload: new Uint8Array(100) });
    }
    await waitFor("the whole burst", () => heard.length >= 50);
    assertEquals(heard.length, 50);
    const first = heard[0] as number;
    assertEquals(
      heard,
      heard.map((_, i) => first + i),
      "in order, none lost",
    );
    await talker.leave();
    await listener.leave();
  } finally {
    await server.stop();
  }
});
