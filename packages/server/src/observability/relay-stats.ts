import type { TransportKind } from "../relay/client-connection.ts";

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
  | "unknown_type"
  | "text_frame"
  | "server_only_type"
  | "invalid_name"
  | "heartbeat_timeout"
  | "slow_subscriber";

export class RelayStats {
  readonly byTransport: Record<TransportKind, TransportStats> = {
    websocket: new TransportStats(),
    webtransport: new TransportStats(),
  };
  packetsDroppedQueueFull = 0;
  packetsDroppedAwaitingKeyframe = 0;
  keyframeRequestsSent = 0;
  readonly badInput = new Map<BadInputReason, number>();
  meetings = 0;
  participants = 0;

  countBadInput(reason: BadInputReason): void {
    this.badInput.set(reason, (this.badInput.get(reason) ?? 0) + 1);
  }
}
