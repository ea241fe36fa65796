import type { SqlExecutor } from "../database.ts";
import { checkMeetingId, checkText, invalid, TEXT_LIMITS } from "../validation.ts";

/** One chat message as the database keeps it (migrations/0003-chat-messages.ts). */
export interface StoredChatMessage {
  /** Orders the meeting's messages on every node (bigint: it outgrows a 32-bit int). */
  readonly sequence: bigint;
  readonly meetingId: string;
  readonly clientMessageId: string;
  readonly fromIdentity: string;
  readonly fromName: string;
  readonly fromSessionId: number;
  /** Private messages only; null for a message to everyone. */
  readonly toIdentity: string | null;
  readonly toName: string | null;
  readonly toSessionId: number | null;
  /** "" when the message is sealed (E2EE). */
  readonly text: string;
  /** The E2EE ciphertext, base64; "" for a message in clear. */
  readonly sealedText: string;
  readonly sentAt: Date;
}

export type NewChatMessage = Omit<StoredChatMessage, "sequence" | "sentAt">;

/** What the schema allows (the protocol's limits are tighter or equal). */
export const CHAT_TEXT_LIMITS = { clientMessageId: 64, text: 2000, sealedText: 8300 } as const;

const CHAT_COLUMNS = `sequence::text AS sequence, meeting_id AS "meetingId", client_message_id AS "clientMessageId",
  from_identity AS "fromIdentity", from_name AS "fromName", from_session_id::text AS "fromSessionId",
  to_identity AS "toIdentity", to_name AS "toName", to_session_id::text AS "toSessionId",
  text, sealed_text AS "sealedText", sent_at AS "sentAt"`;

interface ChatRow extends Omit<StoredChatMessage, "sequence" | "fromSessionId" | "toSessionId"> {
  sequence: string;
  fromSessionId: string;
  toSessionId: string | null;
}

export class ChatMessages {
  readonly #db: SqlExecutor;

  constructor(db: SqlExecutor) {
    this.#db = db;
  }

  /**
   * Stores a message; when its sender already stored one with this client id, stores nothing and returns
   * that one with `duplicate` set (the sender resent it, say after a reconnect).
   */
  async store(entry: NewChatMessage): Promise<{ message: StoredChatMessage; duplicate: boolean }> {
    const meetingId = checkMeetingId(entry.meetingId);
    const clientMessageId = checkText(
      "client message id",
      entry.clientMessageId,
      CHAT_TEXT_LIMITS.clientMessageId,
    );
    const fromIdentity = checkText("sender identity", entry.fromIdentity, TEXT_LIMITS.identity);
    if (entry.text.length > CHAT_TEXT_LIMITS.text) invalid("chat text", "is too long");
    if (entry.sealedText.length > CHAT_TEXT_LIMITS.sealedText) invalid("sealed chat text", "is too long");
    if (entry.text.includes("\u0000")) invalid("chat text", "contains NUL");
    if (!entry.text.isWellFormed()) invalid("chat text", "is not well-formed Unicode");
    const private_ = entry.toIdentity !== null;
    const inserted = await this.#db.query<ChatRow>(
      `INSERT INTO chat_messages (meeting_id, client_message_id, from_identity, from_name, from_session_id,
         to_identity, to_name, to_session_id, text, sealed_text)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (meeting_id, from_identity, client_message_id) DO NOTHING
       RETURNING ${CHAT_COLUMNS}`,
      [
        meetingId,
        clientMessageId,
        fromIdentity,
        checkText("sender name", entry.fromName, TEXT_LIMITS.displayName),
        entry.fromSessionId,
        private_ ? checkText("recipient identity", entry.toIdentity ?? "", TEXT_LIMITS.identity) : null,
        private_ ? checkText("recipient name", entry.toName ?? "", TEXT_LIMITS.displayName) : null,
        private_ ? entry.toSessionId : null,
        entry.text,
        entry.sealedText,
      ],
    );
    const row = inserted[0];
    if (row) return { message: fromRow(row), duplicate: false };
    const existing = await this.#db.query<ChatRow>(
      `SELECT ${CHAT_COLUMNS} FROM chat_messages
       WHERE meeting_id = $1 AND from_identity = $2 AND client_message_id = $3`,
      [meetingId, fromIdentity, clientMessageId],
    );
    const found = existing[0];
    if (!found) throw new Error("a chat message conflicted on insert but cannot be read back");
    return { message: fromRow(found), duplicate: true };
  }

  /**
   * The most recent `limit` messages `identity` may see (public ones and private ones to or from it),
   * oldest first.
   */
  async visibleTo(meetingId: string, identity: string, limit: number): Promise<StoredChatMessage[]> {
    const pageSize = Math.max(1, Math.min(10_000, Math.floor(limit) || 1));
    const rows = await this.#db.query<ChatRow>(
      `SELECT * FROM (
         SELECT ${CHAT_COLUMNS} FROM chat_messages
         WHERE meeting_id = $1 AND (to_identity IS NULL OR to_identity = $2 OR from_identity = $2)
         ORDER BY chat_messages.sequence DESC LIMIT $3
       ) recent ORDER BY recent.sequence::bigint`,
      [checkMeetingId(meetingId), identity, pageSize],
    );
    return rows.map(fromRow);
  }
}

function fromRow(row: ChatRow): StoredChatMessage {
  return {
    ...row,
    sequence: BigInt(row.sequence),
    fromSessionId: Number(row.fromSessionId),
    toSessionId: row.toSessionId === null ? null : Number(row.toSessionId),
  };
}
