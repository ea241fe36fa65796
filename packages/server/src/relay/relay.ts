import {
  BodyField,
  decodePacketSafely,
  encodePacket,
  isValidName,
  LeaveReason,
  MediaKind,
  PROTOCOL_VERSION,
  RoutingHeader,
  type ScanError,
  scanRoutingHeader,
  stampFromSession,
  type TrackInfo,
  trackStateProblem,
} from "@videocall/protocol";
import type { MeetingBus } from "../bus/meeting-bus.ts";
import { ConnectionRateLimiter } from "../limits/connection-rate-limiter.ts";
import { type ConnectionSlot, ConnectionsPerIp } from "../limits/connections-per-ip.ts";
import { LimitHits } from "../limits/limit-hits.ts";
import { QueuedBytesBudget } from "../limits/queued-bytes-budget.ts";
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from "../limits/relay-limits.ts";
import type { Logger } from "../observability/log.ts";
import type { BadInputReason, RelayStats } from "../observability/relay-stats.ts";
import { type ClientConnection, CloseCode, type TransportKind } from "./client-connection.ts";
import { type LocalParticipant, MeetingRoom } from "./meeting-room.ts";
import { DEFAULT_QUEUE_LIMITS, type SubscriberQueueLimits } from "./subscriber-queue.ts";

export interface RelayOptions {
  bus: MeetingBus;
  stats: RelayStats;
  log: Logger;
  serverVersion: string;
  /** A client that sends nothing for this long is disconnected and announced as timed out. */
  heartbeatTimeoutMs: number;
  /** Packet-count limits of the subscriber queues; their byte limit comes from `limits`. */
  queueLimits?: Omit<SubscriberQueueLimits, "maxQueuedBytes">;
  limits?: RelayLimits;
  /** The node's queued bytes, shared by every subscriber queue (default: a new one at limits.maxQueuedBytes). */
  queuedBytes?: QueuedBytesBudget;
}

/** What a transport calls for one accepted client connection. */
export interface ConnectionHandler {
  onPacket(packet: Uint8Array): void;
  /** A text WebSocket frame: the protocol is binary only. */
  onTextFrame(): void;
  onClosed(): void;
}

const CONTROL = { kind: 0, keyframe: false, fromSessionId: 0, trackId: 0 };

/**
 * The meetings of this node. Accepts connections, gives each a session id and a Welcome,
 * checks every packet's routing header, stamps the sender and hands it to its meeting room.
 */
export class Relay {
  readonly #options: RelayOptions;
  readonly #rooms = new Map<string, MeetingRoom>();
  readonly #connections = new Set<{ lastSeenMs: number; participant: LocalParticipant; room: MeetingRoom }>();
  /** Packets are handled one at a time, so one header serves them all. */
  readonly #header = new RoutingHeader();
  readonly #heartbeatSweep: ReturnType<typeof setInterval>;
  /** Set by close(): a closing (draining) relay turns new connections away with the same code. */
  #closedWith: { code: number; reason: string } | undefined;
  readonly limits: Readonly<RelayLimits>;
  readonly limitHits: LimitHits;
  /** Bytes waiting in all subscriber queues of this node. */
  readonly queuedBytes: QueuedBytesBudget;
  readonly #connectionsPerIp: ConnectionsPerIp;
  readonly #queueLimits: SubscriberQueueLimits;

  constructor(options: RelayOptions) {
    this.#options = options;
    this.limits = options.limits ?? DEFAULT_RELAY_LIMITS;
    this.limitHits = new LimitHits(options.stats, options.log);
    this.queuedBytes = options.queuedBytes ?? new QueuedBytesBudget(this.limits.maxQueuedBytes);
    this.#connectionsPerIp = new ConnectionsPerIp(this.limits.maxConnectionsPerIp);
    this.#queueLimits = {
      ...DEFAULT_QUEUE_LIMITS,
      ...options.queueLimits,
      maxQueuedBytes: this.limits.maxQueuedBytesPerSubscriber,
    };
    this.#heartbeatSweep = setInterval(
      () => this.#sweepSilentConnections(),
      Math.min(1000, options.heartbeatTimeoutMs / 4),
    );
  }

  get meetingCount(): number {
    return this.#rooms.size;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * A transport calls this when a client's connection arrives, before its handshake: a slot in its
   * IP's count, or undefined when that IP has as many connections open as it may (the transport
   * then refuses it with 4007 tooManyConnections). The transport releases the slot when the
   * connection is gone.
   */
  acquireConnectionSlot(clientIp: string, transport: TransportKind): ConnectionSlot | undefined {
    const slot = this.#connectionsPerIp.tryAcquire(clientIp);
    if (!slot) {
      this.limitHits.report(
        "connections_per_ip",
        { clientIp, transport, max: this.limits.maxConnectionsPerIp },
        "refused: too many connections from one IP",
      );
    }
    return slot;
  }

  /** Accepts a connection for `/lobby/<username>/<meetingId>`; returns its handler, or undefined if refused. */
  accept(connection: ClientConnection, username: string, meetingId: string): ConnectionHandler | undefined {
    const { stats, log } = this.#options;
    if (this.#closedWith) {
      // No Welcome: the client retries later, elsewhere if it can.
      connection.close(this.#closedWith.code, this.#closedWith.reason);
      return undefined;
    }
    if (!isValidName(username) || !isValidName(meetingId)) {
      stats.countBadInput("invalid_name");
      log.warn(
        { username, meetingId, transport: connection.transport },
        "rejected: invalid username or meeting id",
      );
      connection.close(
        CloseCode.invalidName,
        "invalid username or meeting id: use 1-64 letters, digits, '_' or '-'",
      );
      return undefined;
    }
    const existing = this.#rooms.get(meetingId);
    if (!existing && this.#rooms.size >= this.limits.maxMeetings) {
      this.limitHits.report(
        "meetings_per_node",
        { meetingId, max: this.limits.maxMeetings },
        "refused: this node hosts as many meetings as it may",
      );
      refuseConnection(connection, CloseCode.serverFull, SERVER_FULL_MESSAGE);
      return undefined;
    }
    if (existing && existing.participantCount >= this.limits.maxParticipantsPerMeeting) {
      this.limitHits.report(
        "participants_per_meeting",
        { meetingId, max: this.limits.maxParticipantsPerMeeting },
        "refused: the meeting is full",
      );
      refuseConnection(connection, CloseCode.meetingFull, MEETING_FULL_MESSAGE);
      return undefined;
    }
    const room = existing ?? this.#roomFor(meetingId);
    const sessionId = this.#newSessionId(room);
    connection.send(
      encodePacket({
        body: {
          case: "welcome",
          value: {
            protocolVersion: PROTOCOL_VERSION,
            sessionId,
            meetingId,
            participants: room.roster(),
            heartbeatIntervalMs: Math.round(this.#options.heartbeatTimeoutMs / 3),
            serverVersion: this.#options.serverVersion,
          },
        },
      }),
    );
    const participant = room.addLocal(sessionId, username, connection);
    const entry = { lastSeenMs: performance.now(), participant, room };
    this.#connections.add(entry);
    const transportStats = stats.byTransport[connection.transport];
    transportStats.connectionsOpen++;
    transportStats.connectionsTotal++;
    stats.participants++;
    log.info({ sessionId, username, meetingId, transport: connection.transport }, "joined");

    const limits = this.limits;
    const rateLimiter = new ConnectionRateLimiter(limits, entry.lastSeenMs);
    let rateLimitLogged = false;
    let closed = false;
    let leaveReason: LeaveReason = LeaveReason.LEFT;
    const reject = (reason: BadInputReason, code: number, message: string) => {
      if (closed) return;
      stats.countBadInput(reason);
      log.warn({ sessionId, meetingId, reason, detail: message }, "closing connection: bad input");
      leaveReason = LeaveReason.ERROR;
      connection.send(encodePacket({ body: { case: "goodbye", value: { reason: message } } }));
      connection.close(code, message.slice(0, 120));
    };
    const onClosed = () => {
      if (closed) return;
      closed = true;
      this.#connections.delete(entry);
      transportStats.connectionsOpen--;
      stats.participants--;
      if (entry.lastSeenMs < 0) leaveReason = LeaveReason.TIMED_OUT;
      room.removeLocal(sessionId, leaveReason);
      if (room.isEmpty) {
        room.close(CloseCode.goingAway, "meeting closed");
        this.#rooms.delete(meetingId);
        stats.meetings = this.#rooms.size;
      }
      log.info({ sessionId, meetingId, reason: LeaveReason[leaveReason] }, "left");
    };
    const handlePacket = (packet: Uint8Array) => {
      const nowMs = performance.now();
      entry.lastSeenMs = nowMs;
      transportStats.packetsIn++;
      transportStats.bytesIn += packet.length;
      if (packet.length > limits.maxPacketBytes) {
        this.limitHits.count("packet_size");
        reject(
          "oversized",
          CloseCode.messageTooBig,
          `packet of ${packet.length} bytes exceeds the ${limits.maxPacketBytes}-byte limit`,
        );
        return;
      }
      const header = this.#header;
      if (!scanRoutingHeader(packet, header)) {
        const unknown = header.error === "unknown-field";
        reject(
          unknown ? "unknown_type" : "malformed",
          CloseCode.invalidPayload,
          describeScanError(header.error),
        );
        return;
      }
      if (header.body !== BodyField.leave && !admitByRate(header, packet.length, nowMs)) return;
      switch (header.body) {
        case BodyField.media:
        case BodyField.keyframeRequest:
          room.routeFromLocal(participant, stampFromSession(packet, header, sessionId), header);
          break;
        case BodyField.trackState: {
          // Rare and small, so decoded whole here: the room keeps the tracks for the roster.
          const tracks = decodeTrackState(packet);
          if (typeof tracks === "string") {
            reject("malformed_body", CloseCode.invalidPayload, tracks);
            return;
          }
          participant.tracks = tracks;
          room.routeFromLocal(participant, stampFromSession(packet, header, sessionId), header);
          break;
        }
        case BodyField.ping:
          // The answer is the ping with its field number changed: Ping and Pong share a layout.
          participant.queue.push(pingToPong(packet), CONTROL);
          break;
        case BodyField.pong:
          break;
        case BodyField.leave:
          if (!decodePacketSafely(packet).ok) {
            reject("malformed_body", CloseCode.invalidPayload, "malformed Leave");
            return;
          }
          connection.close(CloseCode.normal, "left");
          onClosed(); // announce now: the transport's own close may never arrive
          break;
        default:
          reject(
            "server_only_type",
            CloseCode.policyViolation,
            "clients may not send Welcome, ParticipantJoined, ParticipantLeft or Goodbye",
          );
      }
    };
    /** Charges the packet to its traffic class's budget; false when it is dropped (or the sender closed). */
    const admitByRate = (header: RoutingHeader, bytes: number, nowMs: number): boolean => {
      const isVideo =
        header.body === BodyField.media &&
        (header.kind === MediaKind.VIDEO || header.kind === MediaKind.SCREEN);
      const verdict = rateLimiter.admit(isVideo ? "video" : "audio_and_control", bytes, nowMs);
      if (verdict === "pass") return true;
      if (verdict === "close") {
        this.limitHits.report(
          rateLimiter.lastDropLimit,
          {
            sessionId,
            meetingId,
            maxPacketsPerSecond: limits.maxPacketsPerSecond,
            maxBytesPerSecond: limits.maxBytesPerSecond,
          },
          "closing connection: sending too fast",
        );
        leaveReason = LeaveReason.ERROR;
        onClosed(); // from now on its packets are read and dropped, and the others see it leave
        // The Goodbye first, the close a moment later: a socket closed while the client's packets are
        // still arriving is reset by the kernel, and the client would see no close code (so it would
        // reconnect instead of showing why). A client stops sending when it reads the Goodbye.
        connection.send(encodePacket({ body: { case: "goodbye", value: { reason: RATE_LIMITED_MESSAGE } } }));
        setTimeout(
          () => connection.close(CloseCode.rateLimited, RATE_LIMITED_MESSAGE),
          RATE_LIMITED_CLOSE_DELAY_MS,
        );
        return false;
      }
      this.limitHits.count(verdict);
      if (!rateLimitLogged) {
        rateLimitLogged = true;
        log.warn(
          {
            sessionId,
            meetingId,
            limit: verdict,
            trafficClass: isVideo ? "video" : "audio_and_control",
            maxPacketsPerSecond: limits.maxPacketsPerSecond,
            maxBytesPerSecond: limits.maxBytesPerSecond,
          },
          "dropping packets over the connection's budget (logged once per connection)",
        );
      }
      return false;
    };
    /** An exception in one connection's handling ends that connection, never the process. */
    const failInternally = (error: unknown) => {
      stats.countInternalError("connection");
      if (closed) return;
      log.error(
        {
          sessionId,
          meetingId,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        },
        "closing connection: internal error",
      );
      leaveReason = LeaveReason.ERROR;
      try {
        connection.close(CloseCode.internalError, "internal server error");
      } finally {
        onClosed();
      }
    };
    return {
      onPacket: (packet) => {
        if (closed) return;
        try {
          handlePacket(packet);
        } catch (error) {
          failInternally(error);
        }
      },
      onTextFrame: () =>
        reject("text_frame", CloseCode.unsupportedData, "text frames are not supported: send binary Packets"),
      onClosed: () => {
        try {
          onClosed();
        } catch (error) {
          stats.countInternalError("connection");
          log.error({ sessionId, meetingId, error: String(error) }, "error while removing a connection");
        }
      },
    };
  }

  /** A transport's `accept` call threw: count it, log it, and close that connection alone. */
  failedToAccept(connection: ClientConnection, error: unknown): void {
    this.#options.stats.countInternalError("connection");
    this.#options.log.error({ error: String(error), transport: connection.transport }, "accept failed");
    connection.close(CloseCode.internalError, "internal server error");
  }

  /** Closes every connection (each gets a Goodbye with `reason`) and stops the heartbeat sweep. */
  close(code: number = CloseCode.goingAway, reason = "server shutting down"): void {
    this.#closedWith = { code, reason };
    clearInterval(this.#heartbeatSweep);
    for (const room of this.#rooms.values()) room.close(code, reason);
  }

  #sweepSilentConnections(): void {
    const deadline = performance.now() - this.#options.heartbeatTimeoutMs;
    for (const entry of this.#connections) {
      if (entry.lastSeenMs >= 0 && entry.lastSeenMs < deadline) {
        entry.lastSeenMs = -1; // marks the leave as a timeout for onClosed
        this.#options.stats.countBadInput("heartbeat_timeout");
        this.#options.log.info({ sessionId: entry.participant.sessionId }, "heartbeat timeout");
        entry.participant.connection.close(CloseCode.heartbeatTimeout, "no heartbeat from the client");
      }
    }
  }

  #roomFor(meetingId: string): MeetingRoom {
    let room = this.#rooms.get(meetingId);
    if (!room) {
      room = new MeetingRoom(
        meetingId,
        this.#options.bus,
        this.#options.stats,
        this.#queueLimits,
        this.queuedBytes,
      );
      this.#rooms.set(meetingId, room);
      this.#options.stats.meetings = this.#rooms.size;
    }
    return room;
  }

  #newSessionId(room: MeetingRoom): number {
    const random = new Uint32Array(1);
    for (;;) {
      crypto.getRandomValues(random);
      const id = random[0] as number;
      if (id !== 0 && !room.hasSession(id)) return id;
    }
  }
}

/** How long a connection closed for its rate gets to read its Goodbye and stop sending. */
const RATE_LIMITED_CLOSE_DELAY_MS = 250;

export const MEETING_FULL_MESSAGE = "this meeting is full";
export const SERVER_FULL_MESSAGE = "this server hosts too many meetings; try again later";
export const RATE_LIMITED_MESSAGE = "sending too fast";
export const TOO_MANY_CONNECTIONS_MESSAGE = "too many connections from your network";

/** Tells a client why it is turned away (a Goodbye, which a client shows) and closes with `code`. */
export function refuseConnection(connection: ClientConnection, code: number, message: string): void {
  connection.send(encodePacket({ body: { case: "goodbye", value: { reason: message } } }));
  connection.close(code, message);
}

/** Ping (field 5) and Pong (field 6) have the same fields, so a pong is a copy with one tag changed. */
function pingToPong(ping: Uint8Array): Uint8Array {
  const pong = ping.slice();
  // The tag of field 5 (length-delimited) is 0x2a; the stamp placeholder (5 bytes) may precede it.
  const at = pong[0] === 0x2a ? 0 : 5;
  pong[at] = (6 << 3) | 2;
  return pong;
}

/** The tracks of a TrackState packet, or why they cannot be accepted. */
function decodeTrackState(packet: Uint8Array): TrackInfo[] | string {
  const decoded = decodePacketSafely(packet);
  if (!decoded.ok) return `malformed TrackState (${decoded.error.detail})`;
  const body = decoded.packet.body;
  if (body.case !== "trackState") return "malformed TrackState";
  return trackStateProblem(body.value.tracks) ?? body.value.tracks;
}

function describeScanError(error: ScanError | undefined): string {
  switch (error) {
    case "unknown-field":
      return "unknown packet type for protocol v1";
    case "no-body":
      return "packet has no body";
    case "several-bodies":
      return "packet has more than one body";
    default:
      return `malformed packet (${error ?? "unknown error"})`;
  }
}
