import type { PacketSink } from "./subscriber-queue.ts";

export type TransportKind = "websocket" | "webtransport";

/** A client's connection as the relay sees it, whatever the transport. */
export interface ClientConnection extends PacketSink {
  readonly transport: TransportKind;
  /** Closes with a close code and a reason the client shows to its user. */
  close(code: number, reason: string): void;
}

/** Close codes the relay uses; 4xxx are ours (RFC 6455 §7.4.2 leaves them to applications). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  heartbeatTimeout: 4000,
  slowSubscriber: 4001,
  invalidName: 4002,
} as const;
