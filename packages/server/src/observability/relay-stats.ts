import { LIMIT_LABELS, type LimitLabel } from "../limits/relay-limits.ts";
import type { TransportKind } from "../relay/client-connection.ts";
import { JoinTimer, SampledForwardingTimer } from "./latency-histograms.ts";

/**
 * Plain counters bumped on the per-packet path (an integer add, no labels, no allocation);
 * `metrics.ts` reads them when Prometheus scrapes.
 */
export class TransportStats {
  connectionsOpen = 0;
  connectionsTotal = 0;
  packetsIn = 0;
  bytesIn = 0;
  packetsOut = 0;
  bytesOut = 0;
}

export type BadInputReason =
  | "oversized"
  | "malformed"
  | "malformed_body"
  /** A request head the TCP front could not parse, or one over its size limit. */
  | "bad_http_head"
  /** A packet or presence message from another node that failed its checks (dropped, not forwarded). */
  | "bus_malformed"
  | "unknown_type"
  | "text_frame"
  | "server_only_type"
  | "invalid_name"
  /** The client offered only protocol versions this relay does not speak. */
  | "unsupported_version"
  | "heartbeat_timeout"
  | "slow_subscriber";

export type HostCommandOutcome = "done" | "refused" | "invalid" | "failed";

/** Where an unexpected exception was caught (and survived). */
export type InternalErrorSite =
  | "connection"
  | "bus"
  | "keyframe_request"
  | "unhandled_rejection"
  | "uncaught_error";

export class RelayStats {
  readonly byTransport: Record<TransportKind, TransportStats> = {
    websocket: new TransportStats(),
    webtransport: new TransportStats(),
  };
  packetsDroppedQueueFull = 0;
  packetsDroppedAwaitingKeyframe = 0;
  /** Media packets not sent to a local receiver because it did not subscribe to them (not a drop). */
  packetsNotSubscribed = 0;
  /** Audio frames of quiet speakers not forwarded at all (top-3 audio, relay/active-speakers.ts). */
  audioFramesNotForwarded = 0;
  keyframeRequestsSent = 0;
  /** Key frame requests that came within 250 ms of the last for their track and layer: sent when that is up. */
  keyframeRequestsDeferred = 0;
  /** Simulcast layer switches completed (at a key frame of the new layer), over all subscribers. */
  layerSwitches = 0;
  /** LayerDemand messages sent to local publishers. */
  layerDemandsSent = 0;
  /** Media packets a client sent without the grant to publish that kind (docs/permissions.md): never forwarded. */
  packetsDroppedNoGrant = 0;
  /** Core bodies (12..31) this relay does not know (or a repeated Join): dropped, never fatal. */
  unknownControlDropped = 0;
  /** Extension bodies (32..63) forwarded opaque from local clients. */
  extensionPacketsForwarded = 0;
  /** Host commands (meeting control) by outcome: carried out, refused (no authority), invalid or failed. */
  readonly hostCommands: Record<HostCommandOutcome, number> = { done: 0, refused: 0, invalid: 0, failed: 0 };
  /** Chat messages this node stored (and delivered), and ChatSends it refused (shape, grant, rate, store). */
  chatMessagesStored = 0;
  chatMessagesRefused = 0;
  /** Media a host muted (MuteCommand), dropped at the publisher's connection. */
  packetsDroppedMutedByHost = 0;
  /** Reactions forwarded, and refused (not an allowed emoji, or over the participant's budget). */
  reactionsForwarded = 0;
  readonly reactionsRefused = { unknown_emoji: 0, rate_limited: 0 };
  /** Packets from joiners held in the waiting room other than pings, pongs and leaves: dropped. */
  packetsDroppedWaiting = 0;
  readonly badInput = new Map<BadInputReason, number>();
  /** Hits per limit (docs/limits.md): refused connections, dropped packets, cut handshakes. */
  readonly limitHits = Object.fromEntries(LIMIT_LABELS.map((label) => [label, 0])) as Record<
    LimitLabel,
    number
  >;
  meetings = 0;
  participants = 0;
  /** Join request to Welcome (videocall_join_seconds). */
  readonly joinTime = new JoinTimer();
  /** Sampled forwarding time of client packets (videocall_forwarding_seconds). */
  readonly forwardingTime = new SampledForwardingTimer();

  readonly internalErrors = new Map<InternalErrorSite, number>();

  countInternalError(site: InternalErrorSite): void {
    this.internalErrors.set(site, (this.internalErrors.get(site) ?? 0) + 1);
  }

  countBadInput(reason: BadInputReason): void {
    this.badInput.set(reason, (this.badInput.get(reason) ?? 0) + 1);
  }
}
