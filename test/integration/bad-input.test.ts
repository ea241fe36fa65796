import { Codec, joinMeeting, MediaKind, type MeetingSession } from "@videocall/client";
import { ChatRefusal, encodePacket, MAX_CHAT_TEXT_CHARS, MAX_PACKET_BYTES } from "@videocall/protocol";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { openRawSocket } from "../fixtures/raw-socket.ts";
import { metricValue, startServer, type TestServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";

/** Alice and Bob talk throughout; each bad input comes from a third connection in their meeting. */
async function withHealthyCall(
  body: (server: TestServer, alice: MeetingSession, bob: MeetingSession) => Promise<void>,
): Promise<void> {
  const server = await startServer();
  try {
    const alice = await joinMeeting({ serverUrl: server.url, username: "alice", meetingId: "bad" });
    const bob = await joinMeeting({ serverUrl: server.url, username: "bob", meetingId: "bad" });
    alice.publishTrack({ trackId: 1, kind: MediaKind.AUDIO, codec: Codec.OPUS });
    await body(server, alice, bob);
    // The call is unaffected: frames still flow, nobody was disconnected.
    let received = 0;
    bob.events.on("media", () => received++);
    for (let i = 0; i < 10; i++) {
      alice.sendFrame(1, { keyframe: false, captureTimeUs: Date.now() * 1000, payload: new Uint8Array(160) });
    }
    await waitFor("bob to keep receiving alice's audio", () => received === 10);
    assertEquals(alice.isClosed || bob.isClosed, false);
    const health = await fetch(`${server.url}/healthz`);
    assertEquals(health.status, 200, "the server is still up");
    assertEquals((await health.json()).connections, 2);
    await alice.leave();
    await bob.leave();
  } finally {
    await server.stop();
  }
}

const cases: Array<{
  name: string;
  send: (socket: WebSocket) => void;
  code: number;
  reason: RegExp;
  metric: string;
}> = [
  {
    name: "an oversized packet",
    send: (s) => s.send(new Uint8Array(MAX_PACKET_BYTES + 1)),
    code: 1009,
    reason: /exceeds the 1048576-byte limit/,
    metric: "oversized",
  },
  {
    name: "malformed protobuf",
    send: (s) => s.send(new Uint8Array([0x12, 0x40, 0x01, 0x02])),
    code: 1007,
    reason: /malformed packet \(truncated\)/,
    metric: "malformed",
  },
  {
    name: "an unknown packet type",
    // Field 64: past the extension ranges (12..63 are dropped or forwarded: forward-compatibility.test.ts).
    send: (s) => s.send(new Uint8Array([0x82, 0x04, 0x00])),
    code: 1007,
    reason: /unknown packet field/,
    metric: "unknown_type",
  },
  {
    // The routing-header scan skips a TrackState body; the relay's full decode must catch it
    // (this exact shape once killed the process: "premature EOF" thrown from decodeTracks).
    name: "a TrackState whose body is truncated",
    send: (s) => s.send(new Uint8Array([0x0d, 0, 0, 0, 0, 0x1a, 0x02, 0x0a, 0x05])),
    code: 1007,
    reason: /malformed TrackState/,
    metric: "malformed_body",
  },
  {
    name: "a TrackState with an illegal tag inside",
    send: (s) => s.send(new Uint8Array([0x0d, 0, 0, 0, 0, 0x1a, 0x02, 0x02, 0x00])), // field 0
    code: 1007,
    reason: /malformed TrackState/,
    metric: "malformed_body",
  },
  {
    name: "a TrackState listing more tracks than allowed",
    send: (s) =>
      s.send(
        encodePacket({
          body: {
            case: "trackState",
            value: {
              tracks: Array.from({ length: 17 }, (_, i) => ({ trackId: i + 1, kind: MediaKind.VIDEO })),
            },
          },
        }),
      ),
    code: 1007,
    reason: /at most 16 are allowed/,
    metric: "malformed_body",
  },
  {
    name: "a TrackState listing more video decoders than allowed",
    send: (s) =>
      s.send(
        encodePacket({
          body: { case: "trackState", value: { videoDecoders: Array.from({ length: 17 }, () => 2) } },
        }),
      ),
    code: 1007,
    reason: /17 video decoders; at most 16/,
    metric: "malformed_body",
  },
  {
    name: "a Leave whose body is malformed",
    send: (s) => s.send(new Uint8Array([0x0d, 0, 0, 0, 0, 0x5a, 0x02, 0x0c, 0x01])), // wire type 4 inside
    code: 1007,
    reason: /malformed Leave/,
    metric: "malformed_body",
  },
  {
    name: "a text frame",
    send: (s) => s.send('{"type":"join"}'),
    code: 1003,
    reason: /text frames are not supported/,
    metric: "text_frame",
  },
  {
    name: "a server-only message",
    send: (s) => s.send(encodePacket({ body: { case: "participantLeft", value: { sessionId: 1 } } })),
    code: 1008,
    reason: /may not send relay-only bodies: Welcome/,
    metric: "server_only_type",
  },
  {
    name: "an ActiveSpeakers from a client (relay-only)",
    send: (s) =>
      s.send(
        encodePacket({ body: { case: "activeSpeakers", value: { dominantSessionId: 1, speakers: [] } } }),
      ),
    code: 1008,
    reason: /relay-only bodies: .*ActiveSpeakers, LayerDemand/,
    metric: "server_only_type",
  },
  {
    name: "a LayerDemand from a client (relay-only)",
    send: (s) =>
      s.send(
        encodePacket({ body: { case: "layerDemand", value: { tracks: [{ trackId: 2, layersMask: 1 }] } } }),
      ),
    code: 1008,
    reason: /relay-only bodies: .*ActiveSpeakers, LayerDemand/,
    metric: "server_only_type",
  },
  {
    // Field 25 (0xca 0x01) whose string claims 5 bytes it does not have.
    name: "a Reaction whose body is truncated",
    send: (s) => s.send(new Uint8Array([0x0d, 0, 0, 0, 0, 0xca, 0x01, 0x02, 0x0a, 0x05])),
    code: 1007,
    reason: /malformed Reaction/,
    metric: "malformed_body",
  },
  {
    // Field 26 (0xd2 0x01): a varint tag with no varint after it.
    name: "a RaiseHand whose body is truncated",
    send: (s) => s.send(new Uint8Array([0x0d, 0, 0, 0, 0, 0xd2, 0x01, 0x01, 0x08])),
    code: 1007,
    reason: /malformed RaiseHand/,
    metric: "malformed_body",
  },
  {
    name: "a RaisedHands from a client (relay-only)",
    send: (s) =>
      s.send(
        encodePacket({ body: { case: "raisedHands", value: { hands: [{ sessionId: 1, raisedAtMs: 1n }] } } }),
      ),
    code: 1008,
    reason: /relay-only bodies: Welcome/,
    metric: "server_only_type",
  },
  {
    name: "a ReactionRefused from a client (relay-only)",
    send: (s) => s.send(encodePacket({ body: { case: "reactionRefused", value: { emoji: "👍" } } })),
    code: 1008,
    reason: /relay-only bodies: Welcome/,
    metric: "server_only_type",
  },
  {
    name: "a ChatMessage from a client (relay-only: only the relay says who said what)",
    send: (s) =>
      s.send(
        encodePacket({
          body: {
            case: "chatMessage",
            value: { sequence: 1n, fromSessionId: 1, fromName: "alice", text: "forged" },
          },
        }),
      ),
    code: 1008,
    reason: /relay-only bodies/,
    metric: "server_only_type",
  },
  {
    name: "a ChatHistory from a client (relay-only)",
    send: (s) => s.send(encodePacket({ body: { case: "chatHistory", value: { messages: [] } } })),
    code: 1008,
    reason: /relay-only bodies/,
    metric: "server_only_type",
  },
];

for (const badInput of cases) {
  Deno.test(`${badInput.name} closes only the offending connection, with a code and a reason`, async () => {
    await withHealthyCall(async (server) => {
      const before = metricValue(await server.metrics(), "videocall_bad_input_total", {
        reason: badInput.metric,
      });
      const mallory = await openRawSocket(server.url, "mallory", "bad");
      badInput.send(mallory.socket);
      const closed = await mallory.closed;
      assertEquals(closed.code, badInput.code);
      assert(badInput.reason.test(closed.reason), `close reason "${closed.reason}"`);
      const goodbye = mallory.received.find((p) => p.body.case === "goodbye");
      assert(goodbye, "a Goodbye with the reason precedes the close");
      const after = metricValue(await server.metrics(), "videocall_bad_input_total", {
        reason: badInput.metric,
      });
      assertEquals(after, before + 1, "counted once in /metrics");
      const logged = server
        .output()
        .split("\n")
        .filter((l) => l.includes('"closing connection: bad input"'));
      assertEquals(logged.length, 1, "logged once");
    });
  });
}

Deno.test("usernames and meeting ids that fail validation are refused with a reason", async () => {
  await withHealthyCall(async (server) => {
    for (const [username, meetingId] of [
      ["bad name", "bad"],
      ["eve", "a.b>c"],
      ["x".repeat(65), "bad"],
      ["%zz", "bad"],
    ]) {
      const socket = new WebSocket(
        `${server.url.replace("http", "ws")}/lobby/${encodeURIComponent(username!)}/${encodeURIComponent(meetingId!)}`,
      );
      const closed = await new Promise<CloseEvent>((resolve) => {
        socket.onclose = resolve;
      });
      assertEquals(closed.code, 4002, `for ${username}/${meetingId}`);
      assert(closed.reason.startsWith("invalid username or meeting id"), closed.reason);
    }
    assertEquals(
      metricValue(await server.metrics(), "videocall_bad_input_total", { reason: "invalid_name" }),
      4,
    );
  });
});

Deno.test("bad ChatSends get a typed refusal each and the sender stays connected", async () => {
  await withHealthyCall(async (server, alice) => {
    const mallory = await openRawSocket(server.url, "mallory", "bad");
    await waitFor("mallory's welcome", () => mallory.received.some((p) => p.body.case === "welcome"));
    let forged = "";
    alice.events.on("chat", (message) => {
      forged = message.text;
    });
    const sends: Array<[string, Uint8Array<ArrayBuffer>, ChatRefusal]> = [
      [
        "no client id",
        encodePacket({ body: { case: "chatSend", value: { text: "hi" } } }),
        ChatRefusal.INVALID,
      ],
      [
        "empty text",
        encodePacket({ body: { case: "chatSend", value: { clientMessageId: "a", text: "" } } }),
        ChatRefusal.INVALID,
      ],
      [
        "too long",
        encodePacket({
          body: {
            case: "chatSend",
            value: { clientMessageId: "b", text: "x".repeat(MAX_CHAT_TEXT_CHARS + 1) },
          },
        }),
        ChatRefusal.TOO_LONG,
      ],
      [
        "recipient 0",
        encodePacket({
          body: { case: "chatSend", value: { clientMessageId: "c", text: "hi", toSessionId: 0 } },
        }),
        ChatRefusal.INVALID,
      ],
      [
        "nobody such",
        encodePacket({
          body: { case: "chatSend", value: { clientMessageId: "d", text: "hi", toSessionId: 7 } },
        }),
        ChatRefusal.NO_SUCH_RECIPIENT,
      ],
      [
        "text and sealed text",
        encodePacket({
          body: {
            case: "chatSend",
            value: { clientMessageId: "e", text: "hi", sealedText: new Uint8Array(4) },
          },
        }),
        ChatRefusal.INVALID,
      ],
      // Body 22 holding field 2 with invalid UTF-8: does not decode.
      ["undecodable", new Uint8Array([0xb2, 0x01, 0x03, 0x12, 0x01, 0xff]), ChatRefusal.INVALID],
    ];
    for (const [what, packet, refusal] of sends) {
      const before = mallory.received.length;
      mallory.socket.send(packet);
      await waitFor(`the refusal of ${what}`, () =>
        mallory.received.slice(before).some((p) => p.body.case === "chatMessage"),
      );
      const answer = mallory.received.slice(before).find((p) => p.body.case === "chatMessage");
      assert(answer?.body.case === "chatMessage");
      assertEquals(answer.body.value.refusal, refusal, what);
      assertEquals(answer.body.value.sequence, 0n, `${what}: nothing stored`);
    }
    assertEquals(mallory.socket.readyState, WebSocket.OPEN, "refusals never close");
    assertEquals(
      metricValue(await server.metrics(), "videocall_chat_messages_total", { outcome: "refused" }),
      sends.length,
      "each refusal counted in /metrics",
    );
    assertEquals(forged, "", "nothing reached the others");
    mallory.socket.close();
    await mallory.closed;
  });
});
