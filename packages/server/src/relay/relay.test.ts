import assert from "node:assert/strict";
import {
  BodyField,
  CloseCode,
  decodePacket,
  encodePacket,
  MediaKind,
  PARTICIPANT_GRANTS,
} from "@videocall/protocol";
import pino from "pino";
import type { Admission } from "../admission/admitter.ts";
import { InMemoryBusHub } from "../bus/in-memory-bus.ts";
import { DEFAULT_RELAY_LIMITS } from "../limits/relay-limits.ts";
import { RelayStats } from "../observability/relay-stats.ts";
import type { ClientConnection } from "./client-connection.ts";
import { Relay } from "./relay.ts";

/** A connection that records what the relay does with it; `failSends` makes every send throw. */
class RecordingConnection implements ClientConnection {
  readonly transport = "websocket" as const;
  readonly bufferedBytes = 0;
  readonly sent: Uint8Array[] = [];
  closedWith: { code: number; reason: string } | undefined;
  failSends = false;
  send(packet: Uint8Array): void {
    if (this.failSends) throw new Error("socket exploded");
    this.sent.push(packet);
  }
  close(code: number, reason: string): void {
    this.closedWith ??= { code, reason };
  }
  bodies(): string[] {
    return this.sent.map((p) => decodePacket(p).body.case ?? "none");
  }
  /** The session id its Welcome (the first packet sent to it) gave it. */
  sessionId(): number {
    const body = decodePacket(this.sent[0]!).body;
    assert.ok(body.case === "welcome");
    return body.value.sessionId;
  }
}

function newRelay(): { relay: Relay; stats: RelayStats } {
  const stats = new RelayStats();
  const relay = new Relay({
    bus: new InMemoryBusHub().node("test"),
    stats,
    log: pino({ level: "silent" }),
    serverVersion: "test",
    heartbeatTimeoutMs: 60_000,
  });
  return { relay, stats };
}

/** What OpenAdmitter answers for a v2 client. */
const guest = (username: string, meetingId: string): Admission => ({
  identity: `guest:${username}`,
  displayName: username,
  meetingId,
  protocolVersion: 2,
  role: "participant",
  grants: PARTICIPANT_GRANTS,
  guest: true,
});

const media = (payloadBytes: number) =>
  encodePacket({
    body: {
      case: "media",
      value: { trackId: 1, kind: MediaKind.AUDIO, sequence: 1, payload: new Uint8Array(payloadBytes) },
    },
  });

Deno.test("an exception while handling one connection's packet closes only that connection, with 1011", () => {
  const { relay, stats } = newRelay();
  try {
    const alice = new RecordingConnection();
    const bob = new RecordingConnection();
    const aliceHandler = relay.accept(alice, guest("alice", "m"))!;
    relay.accept(bob, guest("bob", "m"));
    Object.defineProperty(alice, "bufferedBytes", {
      get() {
        throw new Error("runtime bug"); // read while queueing alice's pong, inside her packet handling
      },
    });
    aliceHandler.onPacket(encodePacket({ body: { case: "ping", value: { nonce: 1 } } }));
    assert.deepEqual(alice.closedWith?.code, CloseCode.internalError);
    assert.deepEqual(stats.internalErrors.get("connection"), 1);
    assert.deepEqual(relay.connectionCount, 1, "alice was removed; bob remains");
    assert.ok(bob.bodies().includes("participantLeft"), "bob is told alice left");
  } finally {
    relay.close();
  }
});

Deno.test("a subscriber whose socket throws is closed alone; the publisher and the others go on", () => {
  const { relay, stats } = newRelay();
  try {
    const alice = new RecordingConnection();
    const bob = new RecordingConnection();
    const carol = new RecordingConnection();
    const aliceHandler = relay.accept(alice, guest("alice", "m"))!;
    relay.accept(bob, guest("bob", "m"));
    relay.accept(carol, guest("carol", "m"));
    bob.failSends = true; // the fan-out to bob throws inside alice's packet handling
    aliceHandler.onPacket(media(10));
    aliceHandler.onPacket(media(10));
    assert.deepEqual(bob.closedWith?.code, CloseCode.internalError);
    assert.deepEqual(alice.closedWith, undefined);
    assert.deepEqual(stats.internalErrors.get("connection"), 1, "counted once");
    assert.deepEqual(carol.bodies().filter((b) => b === "media").length, 2, "carol got both packets");
  } finally {
    relay.close();
  }
});

Deno.test("a throwing accept is contained by failedToAccept: the connection is closed with 1011 and counted", () => {
  const { relay, stats } = newRelay();
  try {
    const eve = new RecordingConnection();
    eve.failSends = true; // the Welcome send throws inside accept
    try {
      relay.accept(eve, guest("eve", "m"));
    } catch (error) {
      relay.failedToAccept(eve, error);
    }
    assert.deepEqual(eve.closedWith?.code, CloseCode.internalError);
    assert.deepEqual(stats.internalErrors.get("connection"), 1);
  } finally {
    relay.close();
  }
});

Deno.test("key frame requests for publishers that do not exist leave no state behind", () => {
  const { relay } = newRelay();
  try {
    const alice = new RecordingConnection();
    const handler = relay.accept(alice, guest("alice", "m"))!;
    // Thousands of made-up targets: none is remembered (memory), none is delivered anywhere.
    for (let target = 1; target <= 5000; target++) {
      handler.onPacket(
        encodePacket({ body: { case: "keyframeRequest", value: { targetSessionId: target, trackId: 2 } } }),
      );
    }
    assert.deepEqual(alice.closedWith, undefined);
    assert.deepEqual(alice.bodies().filter((b) => b === "keyframeRequest").length, 0);
    assert.deepEqual(BodyField.keyframeRequest, 4);
  } finally {
    relay.close();
  }
});

Deno.test("admission: a custom admitter's refusal comes back as is; one that throws is a 1011 refusal, never an exception", async () => {
  const stats = new RelayStats();
  let mode: "refuse" | "throw" = "refuse";
  const relay = new Relay({
    bus: new InMemoryBusHub().node("test"),
    stats,
    log: pino({ level: "silent" }),
    serverVersion: "test",
    heartbeatTimeoutMs: 60_000,
    admitter: {
      authorize: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (mode === "throw") throw new Error("database down");
        return { code: CloseCode.notAdmitted, reason: "banned" };
      },
    },
  });
  try {
    const request = {
      transport: "websocket" as const,
      clientIp: "127.0.0.1",
      username: "mallory",
      meetingId: "m",
      offeredVersions: { min: 1, max: 2 },
    };
    assert.deepEqual(await relay.admit(request), { code: CloseCode.notAdmitted, reason: "banned" });
    mode = "throw";
    assert.deepEqual((await relay.admit(request)) as unknown, {
      code: CloseCode.internalError,
      reason: "internal server error",
    });
    assert.deepEqual(stats.internalErrors.get("connection"), 1);
    const noCommonVersion = await relay.admit({ ...request, offeredVersions: { min: 4, max: 4 } });
    assert.deepEqual("code" in noCommonVersion && noCommonVersion.code, CloseCode.unsupportedProtocolVersion);
  } finally {
    relay.close();
  }
});

Deno.test("admission: two joins admitted at once into a meeting with one seat left: the second is refused at its Welcome with 4004", async () => {
  const stats = new RelayStats();
  const relay = new Relay({
    bus: new InMemoryBusHub().node("test"),
    stats,
    log: pino({ level: "silent" }),
    serverVersion: "test",
    heartbeatTimeoutMs: 60_000,
    limits: { ...DEFAULT_RELAY_LIMITS, maxParticipantsPerMeeting: 1 },
  });
  try {
    const request = (username: string) => ({
      transport: "websocket" as const,
      clientIp: "127.0.0.1",
      username,
      meetingId: "m",
      offeredVersions: { min: 1, max: 2 },
    });
    const [first, second] = await Promise.all([relay.admit(request("ann")), relay.admit(request("ben"))]);
    assert.ok(first && "identity" in first && second && "identity" in second, "both pass admission");
    const ann = new RecordingConnection();
    const ben = new RecordingConnection();
    assert.ok(relay.accept(ann, first));
    assert.deepEqual(relay.accept(ben, second), undefined);
    assert.deepEqual(ben.closedWith?.code, CloseCode.meetingFull);
    const goodbye = decodePacket(ben.sent[0]!).body;
    assert.ok(
      goodbye.case === "goodbye" && goodbye.value.closeCode === CloseCode.meetingFull,
      "the Goodbye carries 4004",
    );
    assert.deepEqual(relay.debugSnapshot().connections, 1);
  } finally {
    relay.close();
  }
});

Deno.test("a key frame request within 250 ms of the last is sent when they are up, not dropped; more in the wait add nothing", async () => {
  const { relay, stats } = newRelay();
  try {
    const alice = new RecordingConnection();
    relay.accept(alice, guest("alice", "m"));
    const aliceId = alice.sessionId();
    const bob = relay.accept(new RecordingConnection(), guest("bob", "m"))!;
    const carol = relay.accept(new RecordingConnection(), guest("carol", "m"))!;
    const request = encodePacket({
      body: { case: "keyframeRequest", value: { targetSessionId: aliceId, trackId: 2 } },
    });
    const requestsToAlice = () => alice.bodies().filter((body) => body === "keyframeRequest").length;

    bob.onPacket(request);
    assert.deepEqual(requestsToAlice(), 1, "the first goes out at once");
    const startedMs = performance.now();
    carol.onPacket(request);
    bob.onPacket(request);
    carol.onPacket(request);
    assert.deepEqual(requestsToAlice(), 1, "the next ones wait for the 250 ms");
    assert.deepEqual(stats.keyframeRequestsDeferred, 1, "one waits, whatever came in the meantime");

    while (requestsToAlice() < 2 && performance.now() - startedMs < 2_000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const waitedMs = performance.now() - startedMs;
    assert.deepEqual(requestsToAlice(), 2, "the waiting one was sent");
    assert.ok(waitedMs >= 200 && waitedMs < 1_000, `sent when the interval was up: after ${waitedMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.deepEqual(requestsToAlice(), 2, "and only once");
  } finally {
    relay.close();
  }
});

Deno.test("a deferred key frame request is dropped with its publisher: nothing fires after it left or the relay closed", async () => {
  const { relay, stats } = newRelay();
  try {
    const alice = new RecordingConnection();
    const aliceHandler = relay.accept(alice, guest("alice", "m"))!;
    const bob = relay.accept(new RecordingConnection(), guest("bob", "m"))!;
    const request = encodePacket({
      body: { case: "keyframeRequest", value: { targetSessionId: alice.sessionId(), trackId: 2 } },
    });
    bob.onPacket(request);
    bob.onPacket(request);
    assert.deepEqual(stats.keyframeRequestsDeferred, 1);
    const pending = () =>
      relay.debugSnapshot().rooms.reduce((sum, room) => sum + room.keyframeRequestsDeferred, 0);
    assert.deepEqual(pending(), 1, "its timer is counted while it waits");
    const sentBefore = alice.sent.length;
    aliceHandler.onClosed();
    assert.deepEqual(pending(), 0, "and cleared when its publisher leaves");
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.deepEqual(alice.sent.length, sentBefore, "nothing more reached alice after she left");
    assert.deepEqual(stats.internalErrors.size, 0);
  } finally {
    relay.close();
  }
});
