/**
 * Moves whole packets (one encoded Packet per message) between a client and the relay.
 * Knows nothing about media; the session above it knows nothing about sockets.
 */
export interface PacketTransport {
  readonly kind: TransportKind;
  /** Bytes accepted by send() but not yet handed to the network. */
  readonly bufferedBytes: number;
  /** `kind` (a MediaKind) lets a transport pick datagrams for audio; absent means control. */
  send(packet: Uint8Array, kind?: number): void;
  close(code?: number, reason?: string): void;
  onPacket: (packet: Uint8Array) => void;
  onClose: (info: TransportCloseInfo) => void;
}

import type { TransportKind } from "@videocall/protocol";

export type { TransportKind };

export interface TransportCloseInfo {
  code: number;
  reason: string;
  /** True when the close was started on this side. */
  local: boolean;
}
