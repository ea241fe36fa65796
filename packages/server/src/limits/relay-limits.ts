/**
 * The relay's resource limits (docs/limits.md): what one client, one meeting and the whole node
 * may take. Each has a server flag and env variable (main.ts) and a /metrics label (LimitLabel).
 */
export interface RelayLimits {
  /** WebSocket and WebTransport connections open at once from one client IP, counted together. */
  maxConnectionsPerIp: number;
  /** Participants of one meeting, on this node and on the others. */
  maxParticipantsPerMeeting: number;
  /** Meetings with participants on this node. */
  maxMeetings: number;
  /** Per connection and per class (video/screen; audio + control): packets per second, burst 1 s. */
  maxPacketsPerSecond: number;
  /** The same in bytes; burst max(1 s, the largest packet). */
  maxBytesPerSecond: number;
  /** From the request (WebSocket) or QUIC accept (WebTransport) to the client's first packet. */
  handshakeTimeoutMs: number;
  /** Streams a WebTransport client may open in all; the protocol uses one. */
  maxWebTransportStreams: number;
  /** Largest packet (WebSocket message, WebTransport frame or datagram). */
  maxPacketBytes: number;
  /** Bytes waiting in one subscriber's queue. */
  maxQueuedBytesPerSubscriber: number;
  /** Bytes waiting in all subscriber queues of this node. */
  maxQueuedBytes: number;
}

export const DEFAULT_RELAY_LIMITS: Readonly<RelayLimits> = {
  maxConnectionsPerIp: 32,
  maxParticipantsPerMeeting: 500,
  maxMeetings: 5000,
  maxPacketsPerSecond: 500,
  maxBytesPerSecond: 2_500_000,
  handshakeTimeoutMs: 10_000,
  maxWebTransportStreams: 4,
  maxPacketBytes: 1024 * 1024,
  maxQueuedBytesPerSubscriber: 8 * 1024 * 1024,
  maxQueuedBytes: 512 * 1024 * 1024,
};

/** The packet size limit can be raised this far, no further (a WebTransport frame's varint allows 1 GiB). */
export const MAX_PACKET_BYTES_CEILING = 16 * 1024 * 1024;

/** The `limit` label of `videocall_limit_hits_total`. */
export type LimitLabel =
  | "connections_per_ip"
  | "participants_per_meeting"
  | "meetings_per_node"
  | "packet_rate"
  | "byte_rate"
  | "handshake_timeout"
  | "webtransport_streams"
  | "packet_size"
  | "subscriber_queued_bytes"
  | "node_queued_bytes"
  /** HTTP handshakes in progress on the TCP front, in all (connections still sending their request head). */
  | "handshakes_in_progress";

export const LIMIT_LABELS: readonly LimitLabel[] = [
  "connections_per_ip",
  "participants_per_meeting",
  "meetings_per_node",
  "packet_rate",
  "byte_rate",
  "handshake_timeout",
  "webtransport_streams",
  "packet_size",
  "subscriber_queued_bytes",
  "node_queued_bytes",
  "handshakes_in_progress",
];
