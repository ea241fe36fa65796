import {
  CloseCode,
  encodePacket,
  isValidName,
  MIN_PROTOCOL_VERSION,
  negotiateProtocolVersion,
  PROTOCOL_VERSION,
  RoutingHeader,
} from "@videocall/protocol";
import {
  type Admission,
  type Admitter,
  isRefusal,
  type JoinRequest,
  type Refusal,
} from "../admission/admitter.ts";
import { OpenAdmitter } from "../admission/open-admitter.ts";
import type { MeetingBus } from "../bus/meeting-bus.ts";
import type { MeetingSettings } from "../db/repositories/meetings.ts";
import { type ConnectionSlot, ConnectionsPerIp } from "../limits/connections-per-ip.ts";
import { LimitHits } from "../limits/limit-hits.ts";
import { QueuedBytesBudget } from "../limits/queued-bytes-budget.ts";
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from "../limits/relay-limits.ts";
import type { MeetingDirectory } from "../meetings/meeting-directory.ts";
import type { Logger } from "../observability/log.ts";
import type { RelayStats } from "../observability/relay-stats.ts";
import type { RecordingControl } from "../recording/recordings.ts";
import type { ClientConnection, TransportKind } from "./client-connection.ts";
import { MEETING_LOCKED_MESSAGE, roleFromName } from "./meeting-control.ts";
import { MeetingRoom, type MeetingRoomStats } from "./meeting-room.ts";
import { type ConnectionHandler, RelayConnection, type RelayConnectionStats } from "./relay-connection.ts";
import { DEFAULT_QUEUE_LIMITS, type SubscriberQueueLimits } from "./subscriber-queue.ts";

export type { ConnectionHandler } from "./relay-connection.ts";
export { RATE_LIMITED_MESSAGE } from "./relay-connection.ts";

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
  /** Who may join (default: everyone, OpenAdmitter). */
  admitter?: Admitter;
  /**
   * Meetings' settings, co-hosts, bans and log (docs/meeting-control.md). Without it, host controls
   * work in memory only (no bans) and every meeting starts with the default settings.
   */
  meetings?: MeetingDirectory;
  /** Server-side recording (docs/recording.md); without it, hosts cannot record. */
  recordings?: RecordingControl;
}

/** What GET /api/debug/rooms shows: every meeting of this node, and the counts a leak would grow. */
export interface RelayDebugSnapshot {
  connections: number;
  /** Closed by the relay, their transport's close still under way (a leak if it stays up). */
  closingTransports: number;
  meetings: number;
  /** Timers the relay owns: its heartbeat sweep, delayed closes, subscriber queues' drains. */
  timers: number;
  rooms: Array<MeetingRoomStats & { connections: RelayConnectionStats[] }>;
  /** The process's memory (bytes): a growing heapUsed is the JS side, rss alone the native side. */
  memory: { rss: number; heapTotal: number; heapUsed: number; external: number };
}

/**
 * The meetings of this node. Admits connections (Relay.admit, before a transport upgrades or
 * welcomes them), gives each a session id, a Welcome and a RelayConnection that checks, stamps and
 * routes its packets.
 */
export class Relay {
  readonly #options: RelayOptions;
  readonly #rooms = new Map<string, MeetingRoom>();
  readonly #connections = new Set<RelayConnection>();
  /** Connections that left their meeting whose transport has not reported its close yet. */
  readonly #closingTransports = new Set<RelayConnection>();
  /** Packets are handled one at a time, so one header serves them all. */
  readonly #header = new RoutingHeader();
  readonly #heartbeatSweep: ReturnType<typeof setInterval>;
  readonly #admitter: Admitter;
  /** Set by close(): a closing (draining) relay turns new connections away with the same code. */
  #closedWith: Refusal | undefined;
  #lastPingMs = 0;
  readonly limits: Readonly<RelayLimits>;
  readonly limitHits: LimitHits;
  /** Bytes waiting in all subscriber queues of this node. */
  readonly queuedBytes: QueuedBytesBudget;
  readonly #connectionsPerIp: ConnectionsPerIp;
  readonly #queueLimits: SubscriberQueueLimits;
  readonly #connectionContext;
  /** The settings read at admission for a meeting this node did not host yet (its room starts with them). */
  readonly #settingsAtAdmission = new WeakMap<Admission, MeetingSettings>();

  constructor(options: RelayOptions) {
    this.#options = options;
    this.limits = options.limits ?? DEFAULT_RELAY_LIMITS;
    this.limitHits = new LimitHits(options.stats, options.log);
    this.queuedBytes = options.queuedBytes ?? new QueuedBytesBudget(this.limits.maxQueuedBytes);
    this.#connectionsPerIp = new ConnectionsPerIp(this.limits.maxConnectionsPerIp);
    this.#admitter = options.admitter ?? new OpenAdmitter();
    this.#queueLimits = {
      ...DEFAULT_QUEUE_LIMITS,
      ...options.queueLimits,
      maxQueuedBytes: this.limits.maxQueuedBytesPerSubscriber,
    };
    this.#connectionContext = {
      stats: options.stats,
      log: options.log,
      limits: this.limits,
      limitHits: this.limitHits,
      header: this.#header,
      onGone: (connection: RelayConnection) => this.#forget(connection),
      onTransportClosed: (connection: RelayConnection) => this.#closingTransports.delete(connection),
      welcome: (connection: RelayConnection) => this.#sendWelcome(connection),
    };
    this.#heartbeatSweep = setInterval(() => this.#sweep(), Math.min(1000, options.heartbeatTimeoutMs / 4));
  }

  get meetingCount(): number {
    return this.#rooms.size;
  }

  /** True once close() began: the node is draining and turns new joins away (GET /readyz says 503). */
  get isDraining(): boolean {
    return this.#closedWith !== undefined;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Transports still open: the connections, and those closed by the relay whose close is under way. */
  get openTransportCount(): number {
    return this.#connections.size + this.#closingTransports.size;
  }

  /** The protocol versions this relay speaks. */
  get protocolVersions(): { min: number; max: number } {
    return { min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION };
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

  /**
   * Decides whether a connection may join: the one place both transports ask, before the Welcome
   * (WebSocket: before the upgrade; WebTransport: on the Join, or the first packet of a v1 client).
   * In order: draining, names, a common protocol version, the admitter, then this node's capacity
   * (participants per meeting, meetings per node). accept() checks the capacity again, as it may
   * have changed while the admitter or the upgrade took their time. Never throws.
   */
  async admit(request: JoinRequest): Promise<Admission | Refusal> {
    const { stats, log } = this.#options;
    const requestedAtMs = performance.now();
    if (this.#closedWith) return this.#closedWith;
    if (!isValidName(request.username) || !isValidName(request.meetingId)) {
      stats.countBadInput("invalid_name");
      log.warn(
        { username: request.username, meetingId: request.meetingId, transport: request.transport },
        "rejected: invalid username or meeting id",
      );
      return { code: CloseCode.invalidName, reason: INVALID_NAME_MESSAGE };
    }
    const version = negotiateProtocolVersion(request.offeredVersions, this.protocolVersions);
    if (version === undefined) {
      stats.countBadInput("unsupported_version");
      log.warn(
        { offered: request.offeredVersions, spoken: this.protocolVersions, transport: request.transport },
        "rejected: no common protocol version",
      );
      return { code: CloseCode.unsupportedProtocolVersion, reason: unsupportedVersionMessage(request) };
    }
    let answer: Admission | Refusal;
    try {
      answer = await this.#admitter.authorize(request);
    } catch (error) {
      stats.countInternalError("connection");
      log.error({ error: String(error), transport: request.transport }, "admitter failed");
      return { code: CloseCode.internalError, reason: "internal server error" };
    }
    if (isRefusal(answer)) {
      log.info({ code: answer.code, reason: answer.reason, transport: request.transport }, "not admitted");
      return answer;
    }
    stats.joinTime.requested(answer, requestedAtMs);
    const offered = request.offeredVersions;
    const chosen = answer.protocolVersion;
    if (
      chosen < offered.min ||
      chosen > offered.max ||
      chosen < MIN_PROTOCOL_VERSION ||
      chosen > PROTOCOL_VERSION
    ) {
      stats.countInternalError("connection");
      log.error({ chosen, offered }, "the admitter picked a protocol version outside the offer");
      return { code: CloseCode.internalError, reason: "internal server error" };
    }
    const capacity = this.#capacityRefusal(answer.meetingId);
    if (capacity) return capacity;
    return (await this.#readSettings(answer)) ?? answer;
  }

  /**
   * A meeting this node does not host yet starts with the settings in the directory (waiting room,
   * lock); one it hosts already follows host commands, from this node or over the bus. Fails closed:
   * without its settings a meeting might have a waiting room, so the joiner is told to retry.
   */
  async #readSettings(admission: Admission): Promise<Refusal | undefined> {
    const meetings = this.#options.meetings;
    if (!meetings || this.#rooms.has(admission.meetingId)) return undefined;
    try {
      const meeting = await meetings.get(admission.meetingId);
      if (meeting) this.#settingsAtAdmission.set(admission, meeting.settings);
      return undefined;
    } catch (error) {
      this.#options.stats.countInternalError("connection");
      this.#options.log.error(
        { error: String(error), meetingId: admission.meetingId },
        "reading meeting settings failed",
      );
      return { code: CloseCode.internalError, reason: "internal server error" };
    }
  }

  /**
   * Welcomes an admitted connection into its meeting; returns its handler, or undefined if it
   * was refused after all (draining, or the meeting or node filled up since admit()).
   */
  accept(connection: ClientConnection, admission: Admission): ConnectionHandler | undefined {
    const { stats, log } = this.#options;
    const refusal = this.#closedWith ?? this.#capacityRefusal(admission.meetingId);
    if (refusal) {
      this.refuse(connection, refusal);
      return undefined;
    }
    const meetingId = admission.meetingId;
    const isNewRoom = !this.#rooms.has(meetingId);
    const settings = this.#settingsAtAdmission.get(admission);
    if (isNewRoom && settings?.locked && admission.role === "participant") {
      // Locked before this node opened it; once open, the room's own state decides (below).
      this.refuse(connection, { code: CloseCode.meetingLocked, reason: MEETING_LOCKED_MESSAGE });
      return undefined;
    }
    const room = this.#roomFor(meetingId);
    if (isNewRoom && settings) room.control.loadSettings(settings);
    const locked = room.control.refusalFor(admission.role);
    if (locked) {
      this.refuse(connection, locked);
      this.#closeIfEmpty(room);
      return undefined;
    }
    const sessionId = this.#newSessionId(room);
    const waits = room.control.mustWait(admission.role);
    const relayConnection = new RelayConnection(
      this.#connectionContext,
      connection,
      room,
      sessionId,
      admission,
      performance.now(),
    );
    this.#writeLog(admission, "joined");
    this.#connections.add(relayConnection);
    const transportStats = stats.byTransport[connection.transport];
    transportStats.connectionsOpen++;
    transportStats.connectionsTotal++;
    stats.participants++;
    if (waits) {
      relayConnection.send(
        encodePacket({
          body: {
            case: "waiting",
            value: { sessionId, meetingId, heartbeatIntervalMs: this.#heartbeatIntervalMs },
          },
        }),
      );
      relayConnection.holdInWaitingRoom();
    } else {
      this.#sendWelcome(relayConnection);
      relayConnection.attach();
    }
    // The relay's answer (Welcome or Waiting) is out: a host's admission time is not the server's join time.
    stats.joinTime.welcomed(admission);
    log.info(
      {
        sessionId,
        identity: admission.identity,
        meetingId,
        transport: connection.transport,
        protocolVersion: admission.protocolVersion,
        role: admission.role,
        waiting: waits,
      },
      waits ? "waiting" : "joined",
    );
    return relayConnection;
  }

  get #heartbeatIntervalMs(): number {
    return Math.round(this.#options.heartbeatTimeoutMs / 3);
  }

  /** The Welcome: who the connection is (as the others see it), what it may do, and who is here. */
  #sendWelcome(connection: RelayConnection): void {
    const admission = connection.admission;
    const room = connection.room;
    connection.send(
      encodePacket({
        body: {
          case: "welcome",
          value: {
            protocolVersion: admission.protocolVersion,
            sessionId: connection.sessionId,
            meetingId: room.meetingId,
            participants: room.roster(),
            heartbeatIntervalMs: this.#heartbeatIntervalMs,
            serverVersion: this.#options.serverVersion,
            you: {
              sessionId: connection.sessionId,
              username: admission.displayName,
              identity: admission.identity,
              role: roleFromName(admission.role),
              guest: admission.guest,
            },
            grants: admission.grants,
            e2eeRequired: admission.e2eeRequired ?? false,
          },
        },
      }),
    );
  }

  /** Tells a client why it is turned away (a Goodbye with the code, which a client shows) and closes. */
  refuse(connection: ClientConnection, refusal: Refusal): void {
    refuseConnection(connection, refusal.code, refusal.reason);
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
    for (const connection of [...this.#connections]) {
      try {
        connection.close(code, reason);
      } catch {
        this.#options.stats.countInternalError("connection"); // one broken socket must not stop the others'
      }
    }
  }

  /** Meetings, participants and their connection and queue figures, for operators and leak tests. */
  debugSnapshot(): RelayDebugSnapshot {
    const nowMs = performance.now();
    const byRoom = new Map<MeetingRoom, RelayConnectionStats[]>();
    let timers = this.#closedWith ? 0 : 1; // the heartbeat sweep
    for (const connection of this.#closingTransports) if (connection.hasTimer) timers++;
    for (const connection of this.#connections) {
      const list = byRoom.get(connection.room) ?? [];
      byRoom.set(connection.room, list);
      list.push(connection.stats(nowMs));
      if (connection.hasTimer) timers++;
    }
    const rooms = [...this.#rooms.values()].map((room) => {
      const stats = room.stats();
      timers += stats.queueTimers + stats.keyframeRequestsDeferred;
      return { ...stats, connections: byRoom.get(room) ?? [] };
    });
    const { rss, heapTotal, heapUsed, external } = Deno.memoryUsage();
    return {
      connections: this.#connections.size,
      closingTransports: this.#closingTransports.size,
      meetings: this.#rooms.size,
      timers,
      rooms,
      memory: { rss, heapTotal, heapUsed, external },
    };
  }

  /** Appends to the meeting log without holding anyone up; a failed write is logged, never thrown. */
  #writeLog(admission: Admission, event: "joined" | "left"): void {
    const meetings = this.#options.meetings;
    if (!meetings) return;
    meetings
      .log(admission.meetingId, event, admission.identity, admission.displayName)
      .catch((error: unknown) => {
        this.#options.log.warn(
          { error: String(error), meetingId: admission.meetingId, event },
          "meeting log write failed",
        );
      });
  }

  #capacityRefusal(meetingId: string): Refusal | undefined {
    const existing = this.#rooms.get(meetingId);
    if (!existing && this.#rooms.size >= this.limits.maxMeetings) {
      this.limitHits.report(
        "meetings_per_node",
        { meetingId, max: this.limits.maxMeetings },
        "refused: this node hosts as many meetings as it may",
      );
      return { code: CloseCode.serverFull, reason: SERVER_FULL_MESSAGE };
    }
    if (existing && existing.participantCount >= this.limits.maxParticipantsPerMeeting) {
      this.limitHits.report(
        "participants_per_meeting",
        { meetingId, max: this.limits.maxParticipantsPerMeeting },
        "refused: the meeting is full",
      );
      return { code: CloseCode.meetingFull, reason: MEETING_FULL_MESSAGE };
    }
    return undefined;
  }

  /** A connection left its meeting: forget it, and close its room if it was the last one here. */
  #forget(connection: RelayConnection): void {
    if (this.#connections.delete(connection)) this.#writeLog(connection.admission, "left");
    if (connection.liveness === "closing") this.#closingTransports.add(connection);
    this.#closeIfEmpty(connection.room);
  }

  #closeIfEmpty(room: MeetingRoom): void {
    if (room.isEmpty && room.control.localWaitingCount === 0 && this.#rooms.get(room.meetingId) === room) {
      room.close();
      this.#rooms.delete(room.meetingId);
      this.#options.stats.meetings = this.#rooms.size;
    }
  }

  /** Closes silent connections and pings v2 clients once per heartbeat interval (their RTT). */
  #sweep(): void {
    const nowMs = performance.now();
    const timeoutMs = this.#options.heartbeatTimeoutMs;
    const pingDue = nowMs - this.#lastPingMs >= timeoutMs / 3;
    if (pingDue) this.#lastPingMs = nowMs;
    for (const connection of [...this.#connections]) {
      connection.checkLiveness(nowMs, timeoutMs);
      if (pingDue) connection.ping(nowMs);
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
        { meetings: this.#options.meetings, recordings: this.#options.recordings, log: this.#options.log },
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

export const INVALID_NAME_MESSAGE = "invalid username or meeting id: use 1-64 letters, digits, '_' or '-'";
export const MEETING_FULL_MESSAGE = "this meeting is full";
export const SERVER_FULL_MESSAGE = "this server hosts too many meetings; try again later";
export { MEETING_LOCKED_MESSAGE } from "./meeting-control.ts";
export const TOO_MANY_CONNECTIONS_MESSAGE = "too many connections from your network";

function unsupportedVersionMessage(request: JoinRequest): string {
  const { min, max } = request.offeredVersions;
  const offered = min === max ? `v${min}` : `v${min}-v${max}`;
  return `this server speaks protocol v${MIN_PROTOCOL_VERSION}-v${PROTOCOL_VERSION}, the client ${offered}`;
}

/** Tells a client why it is turned away (a Goodbye carrying the code) and closes with `code`. */
export function refuseConnection(connection: ClientConnection, code: number, message: string): void {
  connection.send(encodePacket({ body: { case: "goodbye", value: { reason: message, closeCode: code } } }));
  connection.close(code, message);
}
