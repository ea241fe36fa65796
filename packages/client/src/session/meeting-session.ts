import {
  Codec,
  decodePacket,
  encodePacket,
  LeaveReason,
  type Media,
  MediaKind,
  type Packet,
  type Participant,
  PROTOCOL_VERSION,
  type TrackInfo,
} from "@videocall/protocol";
import { TypedEmitter } from "../emitter.ts";
import { ConnectionError } from "../errors.ts";
import { nowMicros } from "../time.ts";
import type { PacketTransport, TransportKind } from "../transport/packet-transport.ts";
import { connectWebSocket } from "../transport/websocket-transport.ts";

export type { Media, TrackInfo };
export { Codec, LeaveReason, MediaKind };

export interface JoinOptions {
  /** Server origin, e.g. "http://localhost:8080" (the WebSocket URL is derived from it). */
  serverUrl: string;
  username: string;
  meetingId: string;
  connectTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface RemoteParticipant {
  readonly sessionId: number;
  readonly username: string;
  tracks: TrackInfo[];
}

export interface EncodedFrame {
  keyframe: boolean;
  /** Capture time in µs since the Unix epoch on this machine's clock. */
  captureTimeUs: number;
  durationUs?: number;
  payload: Uint8Array;
}

export interface SessionClosedInfo {
  code: number;
  reason: string;
  /** True when leave() was called. */
  byUser: boolean;
}

export type SessionEvents = {
  participantJoined: (participant: RemoteParticipant) => void;
  participantLeft: (participant: RemoteParticipant, reason: LeaveReason) => void;
  tracksChanged: (participant: RemoteParticipant) => void;
  media: (fromSessionId: number, media: Media) => void;
  /** A receiver (or the relay) asked for a key frame of one of our tracks. */
  keyframeRequested: (trackId: number) => void;
  closed: (info: SessionClosedInfo) => void;
};

export interface SessionStats {
  transport: TransportKind;
  rttMs: number | undefined;
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
}

const WELCOME_TIMEOUT_MS = 10_000;

/** Joins a meeting: connects, waits for the server's Welcome, and returns the live session. */
export async function joinMeeting(options: JoinOptions): Promise<MeetingSession> {
  const timeoutMs = options.connectTimeoutMs ?? WELCOME_TIMEOUT_MS;
  const url = lobbyUrl(options.serverUrl, options.username, options.meetingId);
  const transport = await connectWebSocket(url, timeoutMs, options.signal);
  const welcome = await new Promise<Packet>((resolve, reject) => {
    const timer = setTimeout(() => {
      transport.close(1000, "no welcome");
      reject(new ConnectionError("timeout", `the server sent no Welcome within ${timeoutMs} ms`));
    }, timeoutMs);
    transport.onPacket = (bytes) => {
      clearTimeout(timer);
      try {
        resolve(decodePacket(bytes));
      } catch (cause) {
        transport.close(1002, "malformed welcome");
        reject(
          new ConnectionError("protocol-error", "the server sent a malformed packet", undefined, { cause }),
        );
      }
    };
    transport.onClose = (info) => {
      clearTimeout(timer);
      reject(new ConnectionError("rejected", info.reason || `closed with code ${info.code}`, info.code));
    };
  });
  if (welcome.body.case !== "welcome") {
    transport.close(1002, "expected welcome");
    throw new ConnectionError("protocol-error", `expected Welcome, got ${welcome.body.case}`);
  }
  if (welcome.body.value.protocolVersion !== PROTOCOL_VERSION) {
    transport.close(1002, "protocol version mismatch");
    throw new ConnectionError(
      "protocol-error",
      `server speaks protocol v${welcome.body.value.protocolVersion}, this client v${PROTOCOL_VERSION}`,
    );
  }
  return new MeetingSession(transport, options, welcome.body.value);
}

export function lobbyUrl(serverUrl: string, username: string, meetingId: string): string {
  const url = new URL(serverUrl);
  url.protocol = url.protocol === "https:" || url.protocol === "wss:" ? "wss:" : "ws:";
  url.pathname = `/lobby/${encodeURIComponent(username)}/${encodeURIComponent(meetingId)}`;
  return url.toString();
}

interface LocalTrack {
  info: TrackInfo;
  sequence: number;
}

/**
 * One participant's membership of a meeting. Owns its transport, heartbeat timer and roster;
 * `leave()` (or the server closing) releases them all and emits `closed` once.
 */
export class MeetingSession {
  readonly events = new TypedEmitter<SessionEvents>();
  readonly sessionId: number;
  readonly meetingId: string;
  readonly username: string;
  readonly heartbeatIntervalMs: number;
  readonly closed: Promise<SessionClosedInfo>;

  #transport: PacketTransport;
  #participants = new Map<number, RemoteParticipant>();
  #localTracks = new Map<number, LocalTrack>();
  #heartbeat: ReturnType<typeof setInterval>;
  #nextPingNonce = 1;
  #rttMs: number | undefined;
  #isClosed = false;
  #leaving = false;
  #resolveClosed!: (info: SessionClosedInfo) => void;
  #stats = { packetsSent: 0, packetsReceived: 0, bytesSent: 0, bytesReceived: 0 };

  constructor(
    transport: PacketTransport,
    options: JoinOptions,
    welcome: { sessionId: number; heartbeatIntervalMs: number; participants: Participant[] },
  ) {
    this.#transport = transport;
    this.sessionId = welcome.sessionId;
    this.meetingId = options.meetingId;
    this.username = options.username;
    this.heartbeatIntervalMs = welcome.heartbeatIntervalMs || 5000;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    for (const participant of welcome.participants) {
      this.#participants.set(participant.sessionId, toRemote(participant));
    }
    transport.onPacket = (bytes) => this.#onPacket(bytes);
    transport.onClose = (info) => this.#onTransportClosed(info.code, info.reason);
    this.#heartbeat = setInterval(() => this.ping(), this.heartbeatIntervalMs);
  }

  get participants(): ReadonlyMap<number, RemoteParticipant> {
    return this.#participants;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  get transportKind(): TransportKind {
    return this.#transport.kind;
  }

  /** Bytes queued locally and not yet sent: publishers skip frames when this grows. */
  get bufferedBytes(): number {
    return this.#transport.bufferedBytes;
  }

  stats(): SessionStats {
    return { transport: this.#transport.kind, rttMs: this.#rttMs, ...this.#stats };
  }

  /** Announces a track; receivers learn its kind, codec and mute state. */
  publishTrack(info: { trackId: number; kind: MediaKind; codec: Codec; muted?: boolean }): void {
    this.#localTracks.set(info.trackId, {
      info: { $typeName: "videocall.v1.TrackInfo", muted: false, ...info },
      sequence: 0,
    });
    this.#sendTrackState();
  }

  unpublishTrack(trackId: number): void {
    if (this.#localTracks.delete(trackId)) this.#sendTrackState();
  }

  setTrackMuted(trackId: number, muted: boolean): void {
    const track = this.#localTracks.get(trackId);
    if (!track || track.info.muted === muted) return;
    track.info.muted = muted;
    this.#sendTrackState();
  }

  /** Sends one encoded frame of a published track. */
  sendFrame(trackId: number, frame: EncodedFrame): void {
    const track = this.#localTracks.get(trackId);
    if (!track) throw new Error(`track ${trackId} is not published`);
    track.sequence = (track.sequence + 1) >>> 0;
    this.#send(
      encodePacket({
        body: {
          case: "media",
          value: {
            trackId,
            kind: track.info.kind,
            codec: track.info.codec,
            keyframe: frame.keyframe,
            sequence: track.sequence,
            captureTimeUs: BigInt(Math.round(frame.captureTimeUs)),
            durationUs: frame.durationUs ?? 0,
            payload: frame.payload,
          },
        },
      }),
    );
  }

  /** Asks the publisher `sessionId` for a key frame of its track `trackId`. */
  requestKeyframe(sessionId: number, trackId: number): void {
    this.#send(
      encodePacket({ body: { case: "keyframeRequest", value: { targetSessionId: sessionId, trackId } } }),
    );
  }

  /** Sends a heartbeat; the answer updates the round-trip time. */
  ping(): void {
    const nonce = this.#nextPingNonce++;
    this.#send(encodePacket({ body: { case: "ping", value: { nonce, sentTimeUs: BigInt(nowMicros()) } } }));
  }

  /** Leaves the meeting; resolves when the connection is closed. */
  async leave(): Promise<SessionClosedInfo> {
    if (!this.#isClosed) {
      this.#leaving = true;
      this.#transport.close(1000, "left");
      // The close handshake normally completes at once; do not hang if the server is gone.
      const timer = setTimeout(() => this.#onTransportClosed(1000, "left"), 2000);
      const info = await this.closed;
      clearTimeout(timer);
      return info;
    }
    return this.closed;
  }

  #sendTrackState(): void {
    const tracks = [...this.#localTracks.values()].map((track) => track.info);
    this.#send(encodePacket({ body: { case: "trackState", value: { tracks } } }));
  }

  #send(bytes: Uint8Array): void {
    if (this.#isClosed) return;
    this.#stats.packetsSent++;
    this.#stats.bytesSent += bytes.length;
    this.#transport.send(bytes);
  }

  #onPacket(bytes: Uint8Array): void {
    this.#stats.packetsReceived++;
    this.#stats.bytesReceived += bytes.length;
    let packet: Packet;
    try {
      packet = decodePacket(bytes);
    } catch (error) {
      console.warn("dropping a malformed packet from the server", error);
      return;
    }
    const from = packet.fromSessionId ?? 0;
    const body = packet.body;
    switch (body.case) {
      case "media":
        this.events.emit("media", from, body.value);
        break;
      case "trackState": {
        const participant = this.#participants.get(from);
        if (participant) {
          participant.tracks = body.value.tracks;
          this.events.emit("tracksChanged", participant);
        }
        break;
      }
      case "keyframeRequest":
        this.events.emit("keyframeRequested", body.value.trackId);
        break;
      case "ping":
        this.#send(
          encodePacket({
            body: { case: "pong", value: { nonce: body.value.nonce, sentTimeUs: body.value.sentTimeUs } },
          }),
        );
        break;
      case "pong":
        this.#rttMs = (nowMicros() - Number(body.value.sentTimeUs)) / 1000;
        break;
      case "participantJoined": {
        const participant = body.value.participant;
        if (!participant || participant.sessionId === this.sessionId) break;
        const remote = toRemote(participant);
        this.#participants.set(remote.sessionId, remote);
        this.events.emit("participantJoined", remote);
        break;
      }
      case "participantLeft": {
        const participant = this.#participants.get(body.value.sessionId);
        if (!participant) break;
        this.#participants.delete(body.value.sessionId);
        this.events.emit("participantLeft", participant, body.value.reason);
        break;
      }
      case "goodbye":
        this.#goodbyeReason = body.value.reason;
        break;
      default:
        break;
    }
  }

  #goodbyeReason = "";

  #onTransportClosed(code: number, reason: string): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    clearInterval(this.#heartbeat);
    const info = { code, reason: this.#goodbyeReason || reason, byUser: this.#leaving };
    this.events.emit("closed", info);
    this.#resolveClosed(info);
    this.#participants.clear();
  }
}

function toRemote(participant: Participant): RemoteParticipant {
  return { sessionId: participant.sessionId, username: participant.username, tracks: participant.tracks };
}
