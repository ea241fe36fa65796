export { CloseCode } from "@videocall/protocol";

import type { TransportKind } from "@videocall/protocol";
import type { PacketSink } from "./subscriber-queue.ts";

export type { TransportKind };

/** A client's connection as the relay sees it, whatever the transport. */
export interface ClientConnection extends PacketSink {
  readonly transport: TransportKind;
  /**
   * `bufferedBytes` read exactly, for the bandwidth estimate's few samples a second
   * (`bufferedBytes` may be a cheap upper bound: the per-packet path reads it). Absent: it is exact.
   */
  readonly exactBufferedBytes?: number;
  /**
   * Round-trip probing by relay Pings, where the connection has it (RelayConnection): the latest
   * round trip, or the age of a Ping still unanswered; null when unknown.
   */
  roundTripMs?(nowMs: number): number | null;
  readonly pingOutstanding?: boolean;
  ping?(nowMs: number): void;
  /** Closes with a close code and a reason the client shows to its user. */
  close(code: number, reason: string): void;
}

/**
 * While a connection is still writing its previous message, what it is handed next waits to go out
 * with the packets of the following turns, up to this many bytes; past it, it is written at once
 * (it already pays for its write). Both transports (docs/protocol.md, "Why batches").
 */
export const HOLD_WHILE_WRITING_MAX_BYTES = 64 * 1024;
