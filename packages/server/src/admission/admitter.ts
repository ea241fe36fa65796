import type { GrantBits, ProtocolVersionRange } from "@videocall/protocol";
import type { TransportKind } from "../relay/client-connection.ts";

/**
 * What a connection asks for, as the relay knows it before it admits the connection (before the
 * Welcome): the lobby path's names, the client's offer and where it comes from.
 */
export interface JoinRequest {
  readonly transport: TransportKind;
  readonly clientIp: string;
  /** From `/lobby/<username>/<meetingId>`, already validated. */
  readonly username: string;
  readonly meetingId: string;
  /** WebSocket: the `videocall.credential.*` subprotocol; WebTransport: Join.credential. */
  readonly credential?: string | undefined;
  /** WebSocket: the `videocall.password.*` subprotocol; WebTransport: Join.password. */
  readonly password?: string | undefined;
  /** The client says it encrypts its media end to end (WebTransport: Join.e2ee; WebSocket: `videocall.e2ee`). */
  readonly e2ee?: boolean | undefined;
  /** The versions the client speaks; a v1 client (no offer) offers exactly {1, 1}. */
  readonly offeredVersions: ProtocolVersionRange;
}

/** A yes: who the connection is and which protocol version it speaks. */
export interface Admission {
  /** Stable across connections of the same person (`guest:<username>` until issue 10's identities). */
  readonly identity: string;
  /** What the others see in the roster. */
  readonly displayName: string;
  readonly meetingId: string;
  /** The version both sides speak, carried in Welcome.protocol_version. */
  readonly protocolVersion: number;
  /** Who is in charge: the meeting's creator is host; hosts promote co-hosts. */
  readonly role: ParticipantRoleName;
  /** What the relay forwards from and to this connection (packages/protocol/src/grants.ts). */
  readonly grants: GrantBits;
  /** Joined by display name only, without a signed-in account or a minted token. */
  readonly guest: boolean;
  /** The meeting's "E2EE required" setting, carried to Welcome.e2ee_required. */
  readonly e2eeRequired?: boolean;
}

export type ParticipantRoleName = "host" | "cohost" | "participant";

/** A no: the client gets a Goodbye with `reason` and `code`, then a close with both. */
export interface Refusal {
  readonly code: number;
  readonly reason: string;
}

/**
 * Decides whether a connection may join. Called once per connection, before its Welcome, for
 * both transports (Relay.admit). Tokens, bans and waiting rooms plug in here (issue 10).
 * The relay has already checked the names, the protocol version and that it is not draining; it
 * checks its capacity limits after this answers, so a slow admitter cannot overfill a meeting.
 */
export interface Admitter {
  /**
   * The relay checked that `offeredVersions` overlaps what it speaks; the Admission's
   * protocolVersion must lie in both (negotiateProtocolVersion picks the highest).
   */
  authorize(request: JoinRequest): Promise<Admission | Refusal>;
}

export function isRefusal(answer: Admission | Refusal): answer is Refusal {
  return "code" in answer;
}
