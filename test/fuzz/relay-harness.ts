/**
 * The relay's packet path in one process, for fuzzing: two relay nodes linked by the in-memory
 * bus, fake client connections that record what they receive and how they were closed, and one
 * entry point per place hostile bytes enter the server:
 *
 * - `websocket` / `websocket-text`: a WebSocket message (binary or text) to `ConnectionHandler`;
 * - `webtransport-stream`: chunks of a WebTransport packet stream through `StreamDeframer`;
 * - `webtransport-datagram`: one datagram to the handler;
 * - `bus-packet`: a packet another node published (scanned again, TrackState decoded);
 * - `bus-presence`: a BusPresence message, decoded as the NATS bus does, to the meeting room;
 * - `bus-heartbeat`: a BusNodeHeartbeat, decoded as the NATS bus does, to a node directory.
 *
 * A crash is an exception escaping one of these entry points, a bus handler, or a microtask.
 * Besides crashes the harness checks what the honest participants see: never a packet that fails
 * the routing scan, never a stamp naming a session that does not exist, every numbered frame of
 * the honest publisher on both nodes, and no honest connection ever closed.
 */
import { fromBinary } from "@bufbuild/protobuf";
import {
  BodyField,
  decodePacket,
  encodePacket,
  FrameTooLargeError,
  MAX_PACKET_BYTES,
  MediaKind,
  PARTICIPANT_GRANTS,
  PROTOCOL_VERSION,
  RoutingHeader,
  StreamDeframer,
  scanRoutingHeader,
} from "@videocall/protocol";
import pino from "pino";
import {
  BusNodeHeartbeatSchema,
  BusPresenceSchema,
} from "../../packages/protocol/src/gen/videocall/v1/bus_pb.ts";
import { InMemoryBusHub } from "../../packages/server/src/bus/in-memory-bus.ts";
import type { MeetingBus, MeetingBusHandler } from "../../packages/server/src/bus/meeting-bus.ts";
import { fromBusPresence } from "../../packages/server/src/bus/nats-meeting-bus.ts";
import { NodeDirectory } from "../../packages/server/src/discovery/node-directory.ts";
import { DEFAULT_RELAY_LIMITS } from "../../packages/server/src/limits/relay-limits.ts";
import { RelayStats } from "../../packages/server/src/observability/relay-stats.ts";
import type { ClientConnection, TransportKind } from "../../packages/server/src/relay/client-connection.ts";
import { type ConnectionHandler, Relay } from "../../packages/server/src/relay/relay.ts";

export type FuzzTarget =
  | "websocket"
  | "websocket-text"
  | "webtransport-stream"
  | "webtransport-datagram"
  | "bus-packet"
  | "bus-presence"
  | "bus-heartbeat";

/** Which session a packet from the bus is addressed to (session ids differ per run, so by role). */
export type BusAddress = "broadcast" | "local-watcher" | "unknown-session";

export interface FuzzInput {
  target: FuzzTarget;
  bytes: Uint8Array;
  /** webtransport-stream: the offsets where the bytes are split into chunks (sorted). */
  splits?: number[];
  /** bus-packet: where it is addressed. */
  address?: BusAddress;
  /** bus-packet: stamp it as sent by the honest watcher on node b (a known remote), so its TrackState is decoded. */
  stampAsRemote?: boolean;
}

export type Outcome =
  | { kind: "accepted" }
  /** The connection was closed (bad input, Leave): by the relay or by the stream's framing. */
  | { kind: "closed"; code: number }
  /** Bytes from the bus that the node ignored. */
  | { kind: "dropped" }
  | { kind: "crash"; error: unknown };

/** Codes that mean "your input was refused", the right answer to garbage. */
export const BAD_INPUT_CLOSE_CODES: ReadonlySet<number> = new Set([1003, 1007, 1008, 1009]);

const MEETING = "fuzz";
const HONEST_TRACK = 2;
/** The harness drives time itself; no heartbeat sweep should close anyone during a run. */
const HEARTBEAT_TIMEOUT_MS = 3_600_000;
/** A stream that holds an unfinished frame this many inputs in a row is given up by its client. */
const STALLED_STREAM_INPUTS = 16;

/** An exception that the relay caught itself (so no stack of ours): what it logged is the message. */
export class InternalError extends Error {
  override readonly name = "InternalError";
}

/** A client connection that records what it receives and how it was closed. */
class FakeConnection implements ClientConnection {
  readonly transport: TransportKind;
  readonly bufferedBytes = 0;
  sessionId = 0;
  packetsReceived = 0;
  closedWith: { code: number; reason: string } | undefined;
  readonly #onPacket: ((packet: Uint8Array) => void) | undefined;

  constructor(transport: TransportKind, onPacket?: (packet: Uint8Array) => void) {
    this.transport = transport;
    this.#onPacket = onPacket;
  }

  send(packet: Uint8Array): void {
    if (this.closedWith) return;
    if (this.packetsReceived++ === 0) {
      // The first packet is the Welcome: it tells us who we are.
      const welcome = decodePacket(packet);
      if (welcome.body.case === "welcome") this.sessionId = welcome.body.value.sessionId;
      return;
    }
    this.#onPacket?.(packet);
  }

  close(code: number, reason: string): void {
    this.closedWith ??= { code, reason };
  }
}

interface Attacker {
  connection: FakeConnection;
  handler: ConnectionHandler;
  deframer: StreamDeframer;
  stalledInputs: number;
}

/** What an honest participant saw of the others. */
export class HonestView {
  readonly connection: FakeConnection;
  /** Sequence numbers of the honest publisher's frames, in arrival order. */
  readonly honestSequences: number[] = [];
  /** Delivered packets that failed the routing scan: the relay must never forward those. */
  forwardedUnscannable = 0;
  /** Delivered packets whose stamp names no session the relays ever gave out. */
  forwardedUnknownStamp = 0;
  /** Delivered packets the client's decoder refuses (the client drops them; counted, not a failure). */
  forwardedUndecodable = 0;
  /** For the harness's own test: the next delivery throws, as a broken socket would. */
  failNextSend = false;
  readonly #header = new RoutingHeader();

  constructor(
    transport: TransportKind,
    readonly isKnownSession: (sessionId: number) => boolean,
    readonly honestPublisher: () => number,
  ) {
    this.connection = new FakeConnection(transport, (packet) => this.#receive(packet));
  }

  #receive(packet: Uint8Array): void {
    if (this.failNextSend) {
      this.failNextSend = false;
      throw new Error("socket broke");
    }
    const header = this.#header;
    if (!scanRoutingHeader(packet, header)) {
      this.forwardedUnscannable++;
      return;
    }
    const forwarded =
      header.body === BodyField.media ||
      header.body === BodyField.trackState ||
      header.body === BodyField.keyframeRequest;
    if (!forwarded) return;
    const from = header.fromSessionOffset < 0 ? 0 : readUint32LE(packet, header.fromSessionOffset);
    // Key frame requests made by the relay itself carry a zero stamp.
    const relayMade = header.body === BodyField.keyframeRequest && from === 0;
    if (!relayMade && !this.isKnownSession(from)) this.forwardedUnknownStamp++;
    if (
      header.body === BodyField.media &&
      from === this.honestPublisher() &&
      header.trackId === HONEST_TRACK
    ) {
      this.honestSequences.push(header.sequence);
    }
    if (header.body !== BodyField.media) return;
    try {
      decodePacket(packet);
    } catch {
      this.forwardedUndecodable++;
    }
  }
}

/** A bus node whose handlers are guarded: an exception in the bus-receive path is a crash, not a lost microtask. */
function guardedBus(
  hub: InMemoryBusHub,
  nodeId: string,
  handlers: Map<string, MeetingBusHandler>,
  onCrash: (error: unknown) => void,
): MeetingBus {
  const bus = hub.node(nodeId);
  return {
    nodeId,
    subscribe(meetingId, handler) {
      const guarded: MeetingBusHandler = {
        onPacket(packet, target) {
          try {
            handler.onPacket(packet, target);
          } catch (error) {
            onCrash(error);
          }
        },
        onPresence(event, fromNodeId) {
          try {
            handler.onPresence(event, fromNodeId);
          } catch (error) {
            onCrash(error);
          }
        },
      };
      handlers.set(meetingId, guarded);
      return bus.subscribe(meetingId, guarded);
    },
  };
}

/**
 * Two relay nodes ("a" and "b") hosting one meeting: attackers on node a (one per transport),
 * an honest publisher on a, honest watchers on a and on b (b hears everything through the bus).
 */
export class RelayHarness {
  readonly stats = new RelayStats();
  readonly #relayA: Relay;
  readonly #relayB: Relay;
  readonly #busHandlersA = new Map<string, MeetingBusHandler>();
  readonly #attackers = new Map<TransportKind, Attacker>();
  readonly #sessions = new Set<number>();
  readonly #directory = new NodeDirectory(3000);
  readonly #busHeader = new RoutingHeader();
  /** Nodes that spoke in hostile presence messages; `sweepSilentNodes` declares them lost. */
  readonly #presenceNodes = new Set<string>();
  readonly #publisher: { connection: FakeConnection; handler: ConnectionHandler };
  readonly watcherA: HonestView;
  readonly watcherB: HonestView;
  /** The honest frames sent so far (sequence numbers 1..n). */
  honestFramesSent = 0;
  /** Set while an input is being fed: exceptions from a microtask or bus handler belong to it. */
  #pendingCrash: unknown;
  #hasPendingCrash = false;
  #lastLoggedError = "";

  constructor() {
    const hub = new InMemoryBusHub();
    // Errors only (the relay logs the stack of an exception its guard caught): kept for the crash report.
    const log = pino({ level: "error" }, { write: (line: string) => (this.#lastLoggedError = line) });
    const onCrash = (error: unknown) => this.recordCrash(error);
    const options = {
      stats: this.stats,
      log,
      serverVersion: "fuzz",
      heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
      // Thousands of inputs a second on one connection: rate limits would drop inputs before the decoders.
      limits: { ...DEFAULT_RELAY_LIMITS, maxPacketsPerSecond: 1e9, maxBytesPerSecond: 1e12 },
    };
    this.#relayA = new Relay({ ...options, bus: guardedBus(hub, "a", this.#busHandlersA, onCrash) });
    this.#relayB = new Relay({ ...options, bus: guardedBus(hub, "b", new Map(), onCrash) });
    const isKnown = (id: number) => this.#sessions.has(id);
    const publisherId = () => this.#publisher.connection.sessionId;
    this.watcherA = new HonestView("websocket", isKnown, publisherId);
    this.watcherB = new HonestView("webtransport", isKnown, publisherId);
    this.#accept(this.#relayA, this.watcherA.connection, "watcher-a");
    this.#accept(this.#relayB, this.watcherB.connection, "watcher-b");
    const publisher = new FakeConnection("websocket");
    this.#publisher = { connection: publisher, handler: this.#accept(this.#relayA, publisher, "publisher") };
  }

  /** Lets the bus deliver what was published (it delivers in microtasks, like a real bus, asynchronously). */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await Promise.resolve();
  }

  /** Records an exception raised outside `feed`'s own call stack (bus handler, microtask, rejection). */
  recordCrash(error: unknown): void {
    if (this.#hasPendingCrash) return;
    this.#hasPendingCrash = true;
    this.#pendingCrash = error;
  }

  /** Feeds one input and lets the bus deliver what it caused. */
  async feed(input: FuzzInput): Promise<Outcome> {
    this.#hasPendingCrash = false;
    const internalErrorsBefore = this.internalErrorCount();
    let outcome: Outcome;
    try {
      outcome = this.#feedNow(input);
    } catch (error) {
      outcome = { kind: "crash", error };
    }
    await this.settle();
    if (this.#hasPendingCrash && outcome.kind !== "crash") {
      outcome = { kind: "crash", error: this.#pendingCrash };
    }
    if (outcome.kind !== "crash" && this.internalErrorCount() > internalErrorsBefore) {
      // The relay's guards survived an exception (closing the connection with 1011, or dropping a
      // bus message): not a dead process, but still a decode that threw instead of answering. A crash here.
      const sites = [...this.stats.internalErrors.keys()].join(", ");
      outcome = {
        kind: "crash",
        error: new InternalError(
          `an exception caught by the relay's guard (${sites}): ${this.#lastLoggedError}`,
        ),
      };
    }
    this.#hasPendingCrash = false;
    return outcome;
  }

  /**
   * The nodes that sent presence but never a heartbeat are declared lost, as the NATS bus's sweep
   * does after 3 s of silence: without it, the roster (and every Welcome) would grow without end.
   */
  async sweepSilentNodes(): Promise<Outcome> {
    const handler = this.#busHandlersA.get(MEETING);
    let outcome: Outcome = { kind: "accepted" };
    this.#hasPendingCrash = false;
    try {
      for (const nodeId of this.#presenceNodes) handler?.onPresence({ type: "node-lost" }, nodeId);
    } catch (error) {
      outcome = { kind: "crash", error };
    }
    this.#presenceNodes.clear();
    await this.settle();
    if (this.#hasPendingCrash && outcome.kind !== "crash")
      outcome = { kind: "crash", error: this.#pendingCrash };
    this.#hasPendingCrash = false;
    return outcome;
  }

  /** Exceptions the relay's own guards caught and counted (videocall_internal_errors_total). */
  internalErrorCount(): number {
    let total = 0;
    for (const count of this.stats.internalErrors.values()) total += count;
    return total;
  }

  /** The honest publisher sends its next numbered video frame. */
  sendHonestFrame(): void {
    const sequence = ++this.honestFramesSent;
    this.#publisher.handler.onPacket(
      encodePacket({
        body: {
          case: "media",
          value: {
            trackId: HONEST_TRACK,
            kind: MediaKind.VIDEO,
            keyframe: true,
            sequence,
            captureTimeUs: BigInt(sequence) * 33_000n,
            payload: new Uint8Array(64).fill(sequence & 0xff),
          },
        },
      }),
    );
  }

  /** Problems an honest participant would notice, empty when all is well. */
  honestProblems(): string[] {
    const problems: string[] = [];
    const expected = Array.from({ length: this.honestFramesSent }, (_, i) => i + 1).join(",");
    for (const [name, view] of [
      ["watcher on node a", this.watcherA],
      ["watcher on node b", this.watcherB],
    ] as const) {
      if (view.connection.closedWith) {
        problems.push(
          `${name} was closed: ${view.connection.closedWith.code} ${view.connection.closedWith.reason}`,
        );
      }
      if (view.honestSequences.join(",") !== expected) {
        problems.push(
          `${name} got ${view.honestSequences.length} of ${this.honestFramesSent} honest frames` +
            ` (first gap after ${firstGap(view.honestSequences)})`,
        );
      }
      if (view.forwardedUnscannable > 0)
        problems.push(`${name} got ${view.forwardedUnscannable} unscannable packets`);
      if (view.forwardedUnknownStamp > 0) {
        problems.push(`${name} got ${view.forwardedUnknownStamp} packets stamped with an unknown session`);
      }
    }
    if (this.#publisher.connection.closedWith) {
      problems.push(`the honest publisher was closed: ${this.#publisher.connection.closedWith.code}`);
    }
    return problems;
  }

  #isClosed = false;

  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#relayA.close();
    this.#relayB.close();
  }

  #accept(relay: Relay, connection: FakeConnection, username: string): ConnectionHandler {
    const handler = relay.accept(connection, {
      identity: `guest:${username}`,
      displayName: username,
      meetingId: MEETING,
      protocolVersion: PROTOCOL_VERSION,
      role: "participant",
      grants: PARTICIPANT_GRANTS,
      guest: true,
    });
    if (!handler) throw new Error(`relay refused ${username}: ${connection.closedWith?.code}`);
    this.#sessions.add(connection.sessionId);
    return handler;
  }

  #attacker(transport: TransportKind): Attacker {
    let attacker = this.#attackers.get(transport);
    if (!attacker) {
      const connection = new FakeConnection(transport);
      const handler = this.#accept(this.#relayA, connection, `attacker-${transport}`);
      attacker = { connection, handler, deframer: new StreamDeframer(MAX_PACKET_BYTES), stalledInputs: 0 };
      this.#attackers.set(transport, attacker);
    }
    return attacker;
  }

  /** The transport saw the close: tell the relay, as the real transports do, and reconnect next time. */
  #closed(transport: TransportKind, attacker: Attacker): Outcome {
    const code = attacker.connection.closedWith?.code ?? 0;
    attacker.handler.onClosed();
    this.#attackers.delete(transport);
    return { kind: "closed", code };
  }

  #feedNow(input: FuzzInput): Outcome {
    switch (input.target) {
      case "websocket":
      case "websocket-text":
      case "webtransport-datagram": {
        const transport: TransportKind =
          input.target === "webtransport-datagram" ? "webtransport" : "websocket";
        const attacker = this.#attacker(transport);
        if (input.target === "websocket-text") attacker.handler.onTextFrame();
        else attacker.handler.onPacket(input.bytes);
        return attacker.connection.closedWith ? this.#closed(transport, attacker) : { kind: "accepted" };
      }
      case "webtransport-stream":
        return this.#feedStream(input);
      case "bus-packet": {
        const handler = this.#busHandlersA.get(MEETING);
        if (!handler) throw new Error("node a is not subscribed to the meeting");
        const target =
          input.address === "local-watcher"
            ? this.watcherA.connection.sessionId
            : input.address === "unknown-session"
              ? 0xdead_beef
              : undefined;
        // Nodes trust each other's stamps: a stamp from the bus names a session of another node.
        const header = this.#busHeader;
        if (scanRoutingHeader(input.bytes, header) && header.fromSessionOffset >= 0) {
          if (input.stampAsRemote)
            writeUint32LE(input.bytes, header.fromSessionOffset, this.watcherB.connection.sessionId);
          this.#sessions.add(readUint32LE(input.bytes, header.fromSessionOffset));
        }
        const before = this.watcherA.connection.packetsReceived;
        handler.onPacket(input.bytes, target); // synchronous: the room queues it to the watcher (or not) now
        return this.watcherA.connection.packetsReceived > before ? { kind: "accepted" } : { kind: "dropped" };
      }
      case "bus-presence":
        return this.#feedPresence(input.bytes);
      case "bus-heartbeat":
        return this.#feedHeartbeat(input.bytes);
    }
  }

  #feedStream(input: FuzzInput): Outcome {
    const attacker = this.#attacker("webtransport");
    const onPacket = (packet: Uint8Array) => attacker.handler.onPacket(packet);
    let from = 0;
    try {
      for (const split of [...(input.splits ?? []), input.bytes.length]) {
        attacker.deframer.push(input.bytes.subarray(from, split), onPacket);
        from = split;
        if (attacker.connection.closedWith) break;
      }
    } catch (error) {
      // The deframer's one documented error: the session closes the connection with 1009.
      if (!(error instanceof FrameTooLargeError)) throw error;
      attacker.connection.close(1009, error.message);
    }
    if (attacker.connection.closedWith) return this.#closed("webtransport", attacker);
    if (attacker.deframer.pendingBytes > MAX_PACKET_BYTES + 8) {
      throw new Error(`the deframer holds ${attacker.deframer.pendingBytes} bytes, over its limit`);
    }
    attacker.stalledInputs = attacker.deframer.pendingBytes > 0 ? attacker.stalledInputs + 1 : 0;
    if (attacker.stalledInputs >= STALLED_STREAM_INPUTS) {
      // The client gives up on a stream stuck in a frame that never ends (a lying length).
      attacker.connection.close(1000, "client gave up");
      return this.#closed("webtransport", attacker);
    }
    return { kind: "accepted" };
  }

  /** As the NATS bus's MeetingChannel does: decode (a malformed one is ignored), map, deliver. */
  #feedPresence(bytes: Uint8Array): Outcome {
    const handler = this.#busHandlersA.get(MEETING);
    if (!handler) throw new Error("node a is not subscribed to the meeting");
    let message: ReturnType<typeof fromBinary<typeof BusPresenceSchema>>;
    try {
      message = fromBinary(BusPresenceSchema, bytes);
    } catch {
      return { kind: "dropped" };
    }
    if (message.nodeId === "a" || message.nodeId === "") return { kind: "dropped" };
    const event = fromBusPresence(message);
    if (!event) return { kind: "dropped" };
    if (message.nodeId !== "b") this.#presenceNodes.add(message.nodeId);
    handler.onPresence(event, message.nodeId);
    return { kind: "accepted" };
  }

  /** As the NATS bus's heartbeat listener does: decode (a malformed one is ignored), update the directory. */
  #feedHeartbeat(bytes: Uint8Array): Outcome {
    let heartbeat: ReturnType<typeof fromBinary<typeof BusNodeHeartbeatSchema>>;
    try {
      heartbeat = fromBinary(BusNodeHeartbeatSchema, bytes);
    } catch {
      return { kind: "dropped" };
    }
    if (heartbeat.nodeId === "") return { kind: "dropped" };
    const nowMs = performance.now();
    if (heartbeat.leaving) this.#directory.remove(heartbeat.nodeId);
    else {
      this.#directory.observe(
        {
          id: heartbeat.nodeId,
          url: heartbeat.publicUrl,
          participants: heartbeat.participants,
          meetings: heartbeat.meetings,
        },
        nowMs,
      );
    }
    this.#directory.sweep(nowMs);
    this.#directory.list(nowMs);
    return { kind: "accepted" };
  }
}

function readUint32LE(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] as number) |
      ((bytes[offset + 1] as number) << 8) |
      ((bytes[offset + 2] as number) << 16) |
      ((bytes[offset + 3] as number) << 24)) >>>
    0
  );
}

function writeUint32LE(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = (value >>> 16) & 0xff;
  bytes[offset + 3] = (value >>> 24) & 0xff;
}

function firstGap(sequences: readonly number[]): number {
  for (let i = 0; i < sequences.length; i++) if (sequences[i] !== i + 1) return i;
  return sequences.length;
}
