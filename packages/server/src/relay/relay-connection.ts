import {
  BodyField,
  bodyClassOf,
  ChatRefusal,
  type ChatSend,
  decodePacketSafely,
  encodePacket,
  Grant,
  type HostCommand,
  isAllowedReaction,
  LeaveReason,
  MAX_REFUSED_EMOJI_CHARS,
  MediaKind,
  ParticipantRole,
  ReactionRefusal,
  type RoutingHeader,
  type SetSubscriptions,
  SubscriptionMode,
  scanRoutingHeader,
  stampFromSession,
  type TrackInfo,
  type TrackState,
  trackStateProblem,
  videoDecodersProblem,
} from "@videocall/protocol";
import type { Admission, ParticipantRoleName } from "../admission/admitter.ts";
import { ConnectionRateLimiter } from "../limits/connection-rate-limiter.ts";
import type { LimitHits } from "../limits/limit-hits.ts";
import type { RelayLimits } from "../limits/relay-limits.ts";
import type { Logger } from "../observability/log.ts";
import type { BadInputReason, RelayStats, TransportStats } from "../observability/relay-stats.ts";
import { type ClientConnection, CloseCode, type TransportKind } from "./client-connection.ts";
import { parseLastN } from "./last-n.ts";
import type { LocalParticipant, MeetingRoom } from "./meeting-room.ts";
import { ReactionBudget } from "./reaction-budget.ts";
import type { SubscriberQueueStats } from "./subscriber-queue.ts";
import { parseSetSubscriptions } from "./subscription-table.ts";
import { turnNowMs } from "./turn-clock.ts";

/** What a transport calls for one accepted client connection. */
export interface ConnectionHandler {
  onPacket(packet: Uint8Array): void;
  /** A text WebSocket frame: the protocol is binary only. */
  onTextFrame(): void;
  /** The transport is gone (whoever closed it). */
  onClosed(): void;
}

/**
 * Where a connection is in its life:
 * - `alive`: in its meeting, heard from within the heartbeat timeout;
 * - `closing`: the relay closed it (left the meeting already), the transport's close may follow;
 * - `closed`: the transport is gone too.
 */
export type LivenessState = "alive" | "closing" | "closed";

/** Per-connection figures for operators (GET /api/debug/rooms). */
export interface RelayConnectionStats {
  sessionId: number;
  identity: string;
  displayName: string;
  transport: TransportKind;
  protocolVersion: number;
  liveness: LivenessState;
  connectedForMs: number;
  msSinceHeard: number;
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
  /** Packets from this client dropped by its rate budget, or unknown core bodies. */
  packetsDroppedIn: number;
  /** The latest round trip of a relay Ping (protocol v2 clients answer them), or null before one. */
  rttMs: number | null;
  /** The relay's estimate of what this subscriber's link carries (picks its simulcast layers), or null while waiting. */
  bandwidthEstimateBps: number | null;
  queue: SubscriberQueueStats;
}

/** What a RelayConnection needs from its relay. */
export interface RelayConnectionContext {
  stats: RelayStats;
  log: Logger;
  limits: Readonly<RelayLimits>;
  limitHits: LimitHits;
  /** Shared by every connection: packets are handled one at a time. */
  header: RoutingHeader;
  /** The connection left its meeting (once): the relay forgets it and closes an empty room. */
  onGone(connection: RelayConnection): void;
  /** Its transport reported the close (once, after onGone). */
  onTransportClosed(connection: RelayConnection): void;
  /** Sends the Welcome of a connection about to join its meeting (at accept, or when a host admits it). */
  welcome(connection: RelayConnection): void;
}

/** How long a connection closed for its rate gets to read its Goodbye and stop sending. */
export const RATE_LIMITED_CLOSE_DELAY_MS = 250;
export const RATE_LIMITED_MESSAGE = "sending too fast";

const CONTROL = { kind: 0, keyframe: false, fromSessionId: 0, trackId: 0 };

export interface CloseOptions {
  /** What the others are told (ParticipantLeft.reason); default ERROR for codes >= 1002, else LEFT. */
  leaveReason?: LeaveReason;
  /** False when the client asked (a Leave): no Goodbye then. */
  goodbye?: boolean;
  /** Close the transport this much later (the Goodbye goes now), so the client reads it first. */
  transportCloseDelayMs?: number;
}

/**
 * One admitted client connection, whatever its transport: its participant in the meeting, the
 * per-packet checks (size, routing header, rate budget), its liveness, its counters and one close
 * path. It is the room's ClientConnection for this participant too, so what the room sends it
 * is counted here.
 */
export class RelayConnection implements ConnectionHandler, ClientConnection {
  readonly sessionId: number;
  readonly admission: Admission;
  readonly room: MeetingRoom;
  readonly #transport: ClientConnection;
  readonly #context: RelayConnectionContext;
  readonly #transportStats: TransportStats;
  readonly #rateLimiter: ConnectionRateLimiter;
  readonly #reactionBudget: ReactionBudget;
  readonly #connectedAtMs: number;
  #participant: LocalParticipant | undefined;
  /** Held in the waiting room: no Welcome yet, no roster, nothing forwarded either way. */
  #waiting = false;
  /**
   * Media kinds a host muted, as bits (1 << MediaKind), checked per media packet. A kind is unblocked
   * once the client has shown it obeyed (a TrackState with that kind muted or gone) and then unmutes
   * itself (a TrackState with that kind unmuted): a participant may undo a host's mute, as in Zoom and
   * Meet, but a client that ignores the mute keeps being dropped.
   */
  #mutedByHostKinds = 0;
  /** Of those, the kinds whose mute the client acknowledged. */
  #muteAcknowledgedKinds = 0;
  #liveness: LivenessState = "alive";
  #lastHeardMs: number;
  #leaveReason: LeaveReason = LeaveReason.LEFT;
  #rateLimitLogged = false;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  // Counters: plain numbers bumped per packet.
  #packetsIn = 0;
  #bytesIn = 0;
  #packetsOut = 0;
  #bytesOut = 0;
  #packetsDroppedIn = 0;
  // Relay pings (v2 clients answer them): the outstanding nonce and the last round trip.
  #pingNonce = 0;
  #pingSentMs = 0;
  #rttMs: number | null = null;

  constructor(
    context: RelayConnectionContext,
    transport: ClientConnection,
    room: MeetingRoom,
    sessionId: number,
    admission: Admission,
    nowMs: number,
  ) {
    this.#context = context;
    this.#transport = transport;
    this.room = room;
    this.sessionId = sessionId;
    this.admission = admission;
    this.#connectedAtMs = nowMs;
    this.#lastHeardMs = nowMs;
    this.#transportStats = context.stats.byTransport[transport.transport];
    this.#rateLimiter = new ConnectionRateLimiter(context.limits, nowMs);
    this.#reactionBudget = new ReactionBudget(nowMs);
  }

  /** Joins the room (the caller sent the Welcome). */
  attach(): void {
    this.#waiting = false;
    this.#participant = this.room.addLocal(
      this.sessionId,
      {
        identity: this.admission.identity,
        displayName: this.admission.displayName,
        role: this.admission.role,
        guest: this.admission.guest,
        grants: this.admission.grants,
      },
      this,
    );
  }

  /**
   * Holds the connection in the meeting's waiting room instead of joining it (the caller sent the
   * Waiting packet): it heartbeats, and gets and sends nothing else until a host admits or denies it.
   */
  holdInWaitingRoom(): void {
    this.#waiting = true;
    this.room.control.hold(this, {
      identity: this.admission.identity,
      displayName: this.admission.displayName,
      guest: this.admission.guest,
    });
  }

  /** A host admitted this waiting joiner: its Welcome, then the meeting. */
  admitFromWaiting(): void {
    if (this.#liveness !== "alive" || !this.#waiting) return;
    try {
      this.#context.welcome(this);
      this.attach();
    } catch (error) {
      this.#failInternally(error);
    }
  }

  get isWaiting(): boolean {
    return this.#waiting;
  }

  /** The participant's role now (a host may have changed it since the admission). */
  get role(): Admission["role"] {
    return this.#participant?.role ?? this.admission.role;
  }

  /** A host muted this kind of track: drop it from now on, and tell the client to stop sending it. */
  muteByHost(kind: MediaKind, bySessionId: number): void {
    if (this.#liveness !== "alive" || !this.#participant) return;
    const bit = 1 << kind;
    this.#mutedByHostKinds |= bit;
    this.#muteAcknowledgedKinds &= ~bit;
    this.#participant.queue.push(
      encodePacket({ body: { case: "mutedByHost", value: { kind, bySessionId } } }),
      CONTROL,
    );
  }

  get transport(): TransportKind {
    return this.#transport.transport;
  }

  /** True while a delayed transport close is pending. */
  get hasTimer(): boolean {
    return this.#closeTimer !== undefined;
  }

  get liveness(): LivenessState {
    return this.#liveness;
  }

  // ClientConnection, for the room's queue: what goes out is counted here.
  get bufferedBytes(): number {
    return this.#transport.bufferedBytes;
  }

  get exactBufferedBytes(): number {
    return this.#transport.exactBufferedBytes ?? this.#transport.bufferedBytes;
  }

  send(packet: Uint8Array, kind?: number): void {
    this.#packetsOut++;
    this.#bytesOut += packet.length;
    this.#transport.send(packet, kind);
  }

  /**
   * The one way a connection ends on the relay's initiative: it leaves its meeting now (the others
   * are told at once, whatever the transport does next), gets a Goodbye carrying `code` and
   * `reason`, and its transport is closed with them.
   */
  close(code: number, reason: string, options: CloseOptions = {}): void {
    if (this.#liveness !== "alive") return;
    this.#leaveReason =
      options.leaveReason ??
      (code === CloseCode.normal || code === CloseCode.goingAway || code === CloseCode.serviceRestart
        ? LeaveReason.LEFT
        : LeaveReason.ERROR);
    this.#leave("closing");
    const transport = this.#transport;
    if (options.goodbye !== false) {
      try {
        transport.send(encodePacket({ body: { case: "goodbye", value: { reason, closeCode: code } } }));
      } catch {
        // A broken transport (the reason for this close, perhaps): closing it is all that is left.
      }
    }
    const closeTransport = () => {
      this.#closeTimer = undefined;
      transport.close(code, reason.slice(0, 120));
    };
    if (options.transportCloseDelayMs) {
      this.#closeTimer = setTimeout(closeTransport, options.transportCloseDelayMs);
    } else closeTransport();
  }

  onPacket(packet: Uint8Array): void {
    if (this.#liveness !== "alive") return; // closing: read and dropped
    try {
      this.#handlePacket(packet);
    } catch (error) {
      this.#failInternally(error);
    }
  }

  onTextFrame(): void {
    this.#reject(
      "text_frame",
      CloseCode.unsupportedData,
      "text frames are not supported: send binary Packets",
    );
  }

  onClosed(): void {
    try {
      clearTimeout(this.#closeTimer);
      this.#closeTimer = undefined;
      if (this.#liveness === "closed") return;
      this.#leave("closed");
      this.#context.onTransportClosed(this);
    } catch (error) {
      this.#context.stats.countInternalError("connection");
      this.#context.log.error(
        { sessionId: this.sessionId, meetingId: this.room.meetingId, error: String(error) },
        "error while removing a connection",
      );
    }
  }

  /** Called by the relay's sweep: closes the connection if it has been silent for `timeoutMs`. */
  checkLiveness(nowMs: number, timeoutMs: number): void {
    if (this.#liveness !== "alive" || nowMs - this.#lastHeardMs <= timeoutMs) return;
    this.#context.stats.countBadInput("heartbeat_timeout");
    this.#context.log.info({ sessionId: this.sessionId }, "heartbeat timeout");
    this.close(CloseCode.heartbeatTimeout, "no heartbeat from the client", {
      leaveReason: LeaveReason.TIMED_OUT,
    });
  }

  /** Pings a v2 client (which answers), to measure the round trip through its queue and transport. */
  ping(nowMs: number): void {
    if (this.#liveness !== "alive" || this.admission.protocolVersion < 2 || !this.#participant) return;
    this.#pingNonce = (this.#pingNonce % 0xffff_ffff) + 1;
    this.#pingSentMs = nowMs;
    const ping = encodePacket({
      body: { case: "ping", value: { nonce: this.#pingNonce, sentTimeUs: BigInt(Math.round(nowMs * 1000)) } },
    });
    this.#participant.queue.push(ping, CONTROL);
  }

  /**
   * The round trip through this connection's queue, transport, kernel buffers and network: the
   * latest Pong's, or longer while a Ping waits for its Pong (its age is a lower bound then).
   * Null before any Ping, or for a v1 client (which does not answer them).
   */
  roundTripMs(nowMs: number): number | null {
    const waitingMs = this.#pingNonce === 0 ? 0 : nowMs - this.#pingSentMs;
    if (this.#rttMs === null) return this.#pingNonce === 0 ? null : waitingMs;
    return Math.max(this.#rttMs, waitingMs);
  }

  /** Whether a Ping is waiting for its Pong. */
  get pingOutstanding(): boolean {
    return this.#pingNonce !== 0;
  }

  stats(nowMs: number = performance.now()): RelayConnectionStats {
    return {
      sessionId: this.sessionId,
      identity: this.admission.identity,
      displayName: this.admission.displayName,
      transport: this.transport,
      protocolVersion: this.admission.protocolVersion,
      liveness: this.#liveness,
      connectedForMs: Math.round(nowMs - this.#connectedAtMs),
      msSinceHeard: Math.round(nowMs - this.#lastHeardMs),
      packetsIn: this.#packetsIn,
      bytesIn: this.#bytesIn,
      packetsOut: this.#packetsOut,
      bytesOut: this.#bytesOut,
      packetsDroppedIn: this.#packetsDroppedIn,
      rttMs: this.#rttMs === null ? null : Math.round(this.#rttMs * 10) / 10,
      bandwidthEstimateBps: this.#participant ? Math.round(this.#participant.bandwidth.estimateBps) : null,
      queue: this.#participant?.queue.stats() ?? EMPTY_QUEUE_STATS,
    };
  }

  /** Leaves the meeting once (announced to the others) and tells the relay. */
  #leave(next: "closing" | "closed"): void {
    const wasAlive = this.#liveness === "alive";
    if (this.#liveness !== "closed") this.#liveness = next;
    if (!wasAlive) return;
    const { stats, log } = this.#context;
    this.#transportStats.connectionsOpen--;
    stats.participants--;
    this.room.removeLocal(this.sessionId, this.#leaveReason);
    this.#context.onGone(this);
    log.info(
      { sessionId: this.sessionId, meetingId: this.room.meetingId, reason: LeaveReason[this.#leaveReason] },
      "left",
    );
  }

  #reject(reason: BadInputReason, code: number, message: string): void {
    if (this.#liveness !== "alive") return;
    const { stats, log } = this.#context;
    stats.countBadInput(reason);
    log.warn(
      { sessionId: this.sessionId, meetingId: this.room.meetingId, reason, detail: message },
      "closing connection: bad input",
    );
    this.close(code, message, { leaveReason: LeaveReason.ERROR });
  }

  /** An exception in one connection's handling ends that connection, never the process. */
  #failInternally(error: unknown): void {
    this.#context.stats.countInternalError("connection");
    if (this.#liveness !== "alive") return;
    this.#context.log.error(
      {
        sessionId: this.sessionId,
        meetingId: this.room.meetingId,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      },
      "closing connection: internal error",
    );
    try {
      this.close(CloseCode.internalError, "internal server error", { leaveReason: LeaveReason.ERROR });
    } catch {
      this.#leave("closing");
    }
  }

  #handlePacket(packet: Uint8Array): void {
    const participant = this.#participant;
    if (!participant && !this.#waiting) return;
    const nowMs = turnNowMs();
    const limits = this.#context.limits;
    this.#lastHeardMs = nowMs;
    this.#packetsIn++;
    this.#bytesIn += packet.length;
    this.#transportStats.packetsIn++;
    this.#transportStats.bytesIn += packet.length;
    if (packet.length > limits.maxPacketBytes) {
      this.#context.limitHits.count("packet_size");
      this.#reject(
        "oversized",
        CloseCode.messageTooBig,
        `packet of ${packet.length} bytes exceeds the ${limits.maxPacketBytes}-byte limit`,
      );
      return;
    }
    const header = this.#context.header;
    if (!scanRoutingHeader(packet, header)) {
      const unknown = header.error === "unknown-field";
      this.#reject(
        unknown ? "unknown_type" : "malformed",
        CloseCode.invalidPayload,
        describeScanError(header.error),
      );
      return;
    }
    if (header.body !== BodyField.leave && !this.#admitByRate(header, packet.length, nowMs)) return;
    if (!participant) {
      this.#handleWhileWaiting(packet, header.body);
      return;
    }
    const room = this.room;
    switch (header.body) {
      case BodyField.media:
      case BodyField.keyframeRequest: {
        if (
          this.#mutedByHostKinds !== 0 &&
          header.body === BodyField.media &&
          (this.#mutedByHostKinds & (1 << header.kind)) !== 0
        ) {
          this.#packetsDroppedIn++;
          this.#context.stats.packetsDroppedMutedByHost++;
          return;
        }
        // A bit test on the parsed header: media of a kind this connection may not publish goes nowhere.
        if (header.body === BodyField.media && (this.admission.grants & publishGrantOf(header.kind)) === 0) {
          this.#packetsDroppedIn++;
          this.#context.stats.packetsDroppedNoGrant++;
          return;
        }
        const sampledAtMs = this.#context.stats.forwardingTime.start();
        room.routeFromLocal(participant, stampFromSession(packet, header, this.sessionId), header);
        this.#context.stats.forwardingTime.stop(sampledAtMs);
        return;
      }
      case BodyField.trackState: {
        // Rare and small, so decoded whole here: the room keeps the tracks for the roster.
        const state = decodeTrackState(packet);
        if (typeof state === "string") {
          this.#reject("malformed_body", CloseCode.invalidPayload, state);
          return;
        }
        const tracks = state.tracks;
        const previous = participant.tracks;
        participant.tracks = tracks;
        participant.videoDecoders = state.videoDecoders;
        room.tracksChanged(participant, previous);
        if (this.#mutedByHostKinds !== 0) this.#followHostMute(tracks);
        room.routeFromLocal(participant, stampFromSession(packet, header, this.sessionId), header);
        return;
      }
      case BodyField.hostCommand: {
        const command = decodeHostCommand(packet);
        if (typeof command === "string") {
          this.#reject("malformed_body", CloseCode.invalidPayload, command);
          return;
        }
        void room.control.execute(participant, command, (result) => {
          if (this.#liveness !== "alive") return;
          this.send(
            encodePacket({
              body: { case: "hostCommandResult", value: { commandId: command.commandId, ...result } },
            }),
          );
        });
        return;
      }
      case BodyField.reaction: {
        const decoded = decodePacketSafely(packet);
        if (!decoded.ok || decoded.packet.body.case !== "reaction") {
          this.#reject("malformed_body", CloseCode.invalidPayload, "malformed Reaction");
          return;
        }
        const emoji = decoded.packet.body.value.emoji;
        // A refusal is an answer, never a close: a client with an older emoji list keeps its call.
        if (!isAllowedReaction(emoji)) this.#refuseReaction(ReactionRefusal.UNKNOWN_EMOJI, emoji);
        else if (!this.#reactionBudget.take(nowMs)) this.#refuseReaction(ReactionRefusal.RATE_LIMITED, emoji);
        else {
          this.#context.stats.reactionsForwarded++;
          room.routeReaction(participant, stampFromSession(packet, header, this.sessionId), header);
        }
        return;
      }
      case BodyField.raiseHand: {
        const decoded = decodePacketSafely(packet);
        if (!decoded.ok || decoded.packet.body.case !== "raiseHand") {
          this.#reject("malformed_body", CloseCode.invalidPayload, "malformed RaiseHand");
          return;
        }
        room.setHand(this.sessionId, decoded.packet.body.value.raised);
        return;
      }
      case BodyField.chatSend: {
        // A bad ChatSend is refused (meeting-chat.ts), never fatal: chat is people typing, not a protocol peer.
        const send = decodeChatSend(packet);
        if (typeof send === "string") {
          this.#context.stats.countBadInput("malformed_body");
          room.chat.refuse(participant, "", ChatRefusal.INVALID, send);
          return;
        }
        void room.chat.send(participant, send);
        return;
      }
      case BodyField.setSubscriptions: {
        const message = decodeSetSubscriptions(packet);
        const subscriptions = typeof message === "string" ? message : parseSetSubscriptions(message);
        if (typeof message === "string" || typeof subscriptions === "string") {
          this.#reject("malformed_body", CloseCode.invalidPayload, String(subscriptions));
          return;
        }
        room.setSubscriptions(
          participant,
          subscriptions,
          parseLastN(message),
          message.mode === SubscriptionMode.EXPLICIT && message.allAudio,
        );
        return;
      }
      case BodyField.ping:
        // The answer is the ping with its field number changed: Ping and Pong share a layout.
        participant.queue.push(pingToPong(packet), CONTROL);
        return;
      case BodyField.pong:
        if (this.#pingNonce !== 0) this.#readPong(packet, performance.now()); // a round trip: the exact time
        return;
      case BodyField.leave:
        if (!decodePacketSafely(packet).ok) {
          this.#reject("malformed_body", CloseCode.invalidPayload, "malformed Leave");
          return;
        }
        this.close(CloseCode.normal, "left", { goodbye: false, leaveReason: LeaveReason.LEFT });
        return;
      case BodyField.join:
        // The handshake's; one after it changes nothing.
        this.#dropUnknownControl();
        return;
      default:
        if (isServerOnlyBody(header.body)) {
          this.#rejectServerOnly();
          return;
        }
        if (bodyClassOf(header.body) === "core") {
          this.#dropUnknownControl(); // a core body newer than this relay: never fatal
          return;
        }
        this.#context.stats.extensionPacketsForwarded++;
        room.routeFromLocal(participant, stampFromSession(packet, header, this.sessionId), header);
    }
  }

  #refuseReaction(reason: ReactionRefusal, emoji: string): void {
    this.#context.stats.reactionsRefused[
      reason === ReactionRefusal.UNKNOWN_EMOJI ? "unknown_emoji" : "rate_limited"
    ]++;
    this.#participant?.queue.push(
      encodePacket({
        body: {
          case: "reactionRefused",
          value: { reason, emoji: [...emoji].slice(0, MAX_REFUSED_EMOJI_CHARS).join("") },
        },
      }),
      CONTROL,
    );
  }

  #rejectServerOnly(): void {
    this.#reject(
      "server_only_type",
      CloseCode.policyViolation,
      "a client may not send relay-only bodies: Welcome, joins/leaves, Goodbye, host answers, ActiveSpeakers, LayerDemand, RaisedHands, ReactionRefused",
    );
  }

  /**
   * A joiner in the waiting room is alive (any packet counts, pings are answered) and may leave;
   * what else it sends is dropped and counted, so nothing of it reaches the meeting.
   */
  #handleWhileWaiting(packet: Uint8Array, body: number): void {
    switch (body) {
      case BodyField.ping:
        this.send(pingToPong(packet));
        return;
      case BodyField.pong:
        if (this.#pingNonce !== 0) this.#readPong(packet, performance.now()); // a round trip: the exact time
        return;
      case BodyField.leave:
        this.close(CloseCode.normal, "left", { goodbye: false, leaveReason: LeaveReason.LEFT });
        return;
      default:
        if (isServerOnlyBody(body)) {
          this.#rejectServerOnly();
          return;
        }
        this.#packetsDroppedIn++;
        this.#context.stats.packetsDroppedWaiting++;
    }
  }

  /** Moves host mutes along: acknowledged when the kind is muted or gone, lifted when it is unmuted after that. */
  #followHostMute(tracks: readonly TrackInfo[]): void {
    for (const kind of [MediaKind.AUDIO, MediaKind.VIDEO, MediaKind.SCREEN]) {
      const bit = 1 << kind;
      if ((this.#mutedByHostKinds & bit) === 0) continue;
      const live = tracks.some((track) => track.kind === kind && !track.muted);
      if (!live) this.#muteAcknowledgedKinds |= bit;
      else if ((this.#muteAcknowledgedKinds & bit) !== 0) {
        this.#mutedByHostKinds &= ~bit;
        this.#muteAcknowledgedKinds &= ~bit;
      }
    }
  }

  #dropUnknownControl(): void {
    this.#packetsDroppedIn++;
    this.#context.stats.unknownControlDropped++;
  }

  /** A Pong answering the relay's outstanding Ping gives the round trip. Rare: decoded whole. */
  #readPong(packet: Uint8Array, nowMs: number): void {
    const decoded = decodePacketSafely(packet);
    if (!decoded.ok || decoded.packet.body.case !== "pong") return;
    if (decoded.packet.body.value.nonce !== this.#pingNonce) return;
    this.#rttMs = nowMs - this.#pingSentMs;
    this.#pingNonce = 0;
  }

  /** Charges the packet to its traffic class's budget; false when it is dropped (or the sender closed). */
  #admitByRate(header: RoutingHeader, bytes: number, nowMs: number): boolean {
    const isVideo =
      header.body === BodyField.media &&
      (header.kind === MediaKind.VIDEO || header.kind === MediaKind.SCREEN);
    const verdict = this.#rateLimiter.admit(isVideo ? "video" : "audio_and_control", bytes, nowMs);
    if (verdict === "pass") return true;
    const { limits, limitHits, log } = this.#context;
    this.#packetsDroppedIn++;
    if (verdict === "close") {
      limitHits.report(
        this.#rateLimiter.lastDropLimit,
        {
          sessionId: this.sessionId,
          meetingId: this.room.meetingId,
          maxPacketsPerSecond: limits.maxPacketsPerSecond,
          maxBytesPerSecond: limits.maxBytesPerSecond,
        },
        "closing connection: sending too fast",
      );
      // The Goodbye first, the close a moment later: a socket closed while the client's packets are
      // still arriving is reset by the kernel, and the client would see no close code (so it would
      // reconnect instead of showing why). A client stops sending when it reads the Goodbye.
      this.close(CloseCode.rateLimited, RATE_LIMITED_MESSAGE, {
        leaveReason: LeaveReason.ERROR,
        transportCloseDelayMs: RATE_LIMITED_CLOSE_DELAY_MS,
      });
      return false;
    }
    limitHits.count(verdict);
    if (!this.#rateLimitLogged) {
      this.#rateLimitLogged = true;
      log.warn(
        {
          sessionId: this.sessionId,
          meetingId: this.room.meetingId,
          limit: verdict,
          trafficClass: isVideo ? "video" : "audio_and_control",
          maxPacketsPerSecond: limits.maxPacketsPerSecond,
          maxBytesPerSecond: limits.maxBytesPerSecond,
        },
        "dropping packets over the connection's budget (logged once per connection)",
      );
    }
    return false;
  }
}

const EMPTY_QUEUE_STATS: SubscriberQueueStats = {
  queuedPackets: 0,
  queuedBytes: 0,
  packetsSent: 0,
  bytesSent: 0,
  packetsDropped: 0,
  tracksAwaitingKeyframe: 0,
};

/** Ping (field 5) and Pong (field 6) have the same fields, so a pong is a copy with one tag changed. */
function pingToPong(ping: Uint8Array): Uint8Array {
  // The tag of field 5 (length-delimited) is 0x2a; the stamp placeholder (5 bytes) may precede it.
  const at = ping[0] === 0x2a ? 0 : 5;
  // Pong.server_time_us (field 3) appended to the body, so clients can estimate their clock offset.
  // Only for the plain layout clients send (a one-byte length, the body last); otherwise no stamp.
  const length = ping[at + 1];
  const stamp = varintField(3, Math.round((performance.timeOrigin + performance.now()) * 1000));
  const stampable = length !== undefined && at + 2 + length === ping.length && length + stamp.length < 0x80;
  const pong = new Uint8Array(ping.length + (stampable ? stamp.length : 0));
  pong.set(ping);
  pong[at] = (6 << 3) | 2;
  if (stampable) {
    pong[at + 1] = length + stamp.length;
    pong.set(stamp, ping.length);
  }
  return pong;
}

/** A varint field's bytes: tag then value (a non-negative integer below 2^53). */
function varintField(field: number, value: number): Uint8Array {
  const bytes = [field << 3];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
}

/** The TrackState a packet carries (tracks and video decoders), or why it cannot be accepted. */
function decodeTrackState(packet: Uint8Array): TrackState | string {
  const decoded = decodePacketSafely(packet);
  if (!decoded.ok) return `malformed TrackState (${decoded.error.detail})`;
  const body = decoded.packet.body;
  if (body.case !== "trackState") return "malformed TrackState";
  return trackStateProblem(body.value.tracks) ?? videoDecodersProblem(body.value.videoDecoders) ?? body.value;
}

/** The SetSubscriptions a packet carries, or why it does not decode. */
function decodeSetSubscriptions(packet: Uint8Array): SetSubscriptions | string {
  const decoded = decodePacketSafely(packet);
  if (!decoded.ok) return `malformed SetSubscriptions (${decoded.error.detail})`;
  const body = decoded.packet.body;
  if (body.case !== "setSubscriptions") return "malformed SetSubscriptions";
  return body.value;
}

/** The host command of a HostCommand packet, or why it does not decode (its content is checked by MeetingControl). */
function decodeHostCommand(packet: Uint8Array): HostCommand | string {
  const decoded = decodePacketSafely(packet);
  if (!decoded.ok) return `malformed HostCommand (${decoded.error.detail})`;
  const body = decoded.packet.body;
  if (body.case !== "hostCommand") return "malformed HostCommand";
  return body.value;
}

/** The ChatSend a packet carries, or why it does not decode (its content is checked by MeetingChat). */
function decodeChatSend(packet: Uint8Array): ChatSend | string {
  const decoded = decodePacketSafely(packet);
  if (!decoded.ok) return `malformed ChatSend (${decoded.error.detail})`;
  const body = decoded.packet.body;
  if (body.case !== "chatSend") return "malformed ChatSend";
  return body.value;
}

function describeScanError(error: string | undefined): string {
  switch (error) {
    case "unknown-field":
      return "unknown packet field (body numbers end at 63)";
    case "no-body":
      return "packet has no body";
    case "several-bodies":
      return "packet has more than one body";
    default:
      return `malformed packet (${error ?? "unknown error"})`;
  }
}

/** The grant a media packet of `kind` needs; an unknown kind needs the video grant. */
function publishGrantOf(kind: number): number {
  if (kind === MediaKind.AUDIO) return Grant.publishAudio;
  if (kind === MediaKind.SCREEN) return Grant.publishScreen;
  return Grant.publishVideo;
}

export function participantRole(role: ParticipantRoleName): ParticipantRole {
  switch (role) {
    case "host":
      return ParticipantRole.HOST;
    case "cohost":
      return ParticipantRole.COHOST;
    default:
      return ParticipantRole.PARTICIPANT;
  }
}

/** Bodies only the relay sends: a client sending one is closed (1008), waiting or not. */
function isServerOnlyBody(body: number): boolean {
  switch (body) {
    case BodyField.welcome:
    case BodyField.participantJoined:
    case BodyField.participantLeft:
    case BodyField.goodbye:
    case BodyField.meetingState:
    case BodyField.waiting:
    case BodyField.mutedByHost:
    case BodyField.hostCommandResult:
    case BodyField.activeSpeakers:
    case BodyField.layerDemand:
    case BodyField.raisedHands:
    case BodyField.reactionRefused:
    case BodyField.chatMessage:
    case BodyField.chatHistory:
      return true;
    default:
      return false;
  }
}
