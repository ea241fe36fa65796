/**
 * What the page's MeetingE2ee and each SFrame frame-transform instance (in a worker, beside the
 * Opus codec, or in the CLI) say over the instance's MessagePort. Keys travel as raw bytes and are
 * imported non-extractable on arrival; the page keeps the raw bytes only to wrap them for peers.
 */
import type { FrameDecryptorStats } from "./frame-decryptor.ts";

export interface PortMediaKey {
  epoch: number;
  bytes: Uint8Array<ArrayBuffer>;
}

export type ToSFrameTransform =
  /** Encode side: encrypt with this sender's key from now on, under KIDs with this track slot. */
  | { type: "encrypt-with"; senderId: number; trackSlot: number; key: PortMediaKey }
  /** Encode side: stop encrypting (the session is between connections, or the slot is spent). */
  | { type: "pause" }
  /** Decode side: a remote sender's key (a newer epoch replaces the current one after an overlap). */
  | { type: "receiver-key"; senderId: number; key: PortMediaKey }
  /** Decode side: the sender left; its keys decrypt nothing more. */
  | { type: "remove-sender"; senderId: number };

export type FromSFrameTransform =
  /** First message of every instance: which keys it needs. */
  | { type: "hello"; direction: "encode" | "decode" }
  /** Decode side, when it changed, at most every STATS_INTERVAL_MS. */
  | { type: "stats"; stats: FrameDecryptorStats }
  /** The instance closed (with its final stats, decode side). */
  | { type: "closed"; stats?: FrameDecryptorStats };
