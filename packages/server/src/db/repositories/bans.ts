import type { SqlExecutor } from "../database.ts";
import { checkDate, checkMeetingId, checkOptionalText, checkText, TEXT_LIMITS } from "../validation.ts";

export interface Ban {
  readonly meetingId: string;
  readonly identity: string;
  readonly bannedBy: string;
  readonly reason: string | null;
  readonly createdAt: Date;
  /** When the ban lapses; null for good. */
  readonly until: Date | null;
}

export interface NewBan {
  readonly meetingId: string;
  readonly identity: string;
  readonly bannedBy: string;
  readonly reason?: string | null;
  readonly until?: Date | null;
}

const BAN_COLUMNS = `meeting_id AS "meetingId", identity, banned_by AS "bannedBy", reason,
  created_at AS "createdAt", until`;

export class Bans {
  readonly #db: SqlExecutor;

  constructor(db: SqlExecutor) {
    this.#db = db;
  }

  /** Bans `identity` from the meeting; banning again replaces the earlier ban (reason, until). */
  async add(ban: NewBan): Promise<Ban> {
    const rows = await this.#db.query<Ban>(
      `INSERT INTO meeting_bans (meeting_id, identity, banned_by, reason, until) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (meeting_id, identity) DO UPDATE SET banned_by = EXCLUDED.banned_by,
         reason = EXCLUDED.reason, until = EXCLUDED.until, created_at = now()
       RETURNING ${BAN_COLUMNS}`,
      [
        checkMeetingId(ban.meetingId),
        checkText("identity", ban.identity, TEXT_LIMITS.identity),
        checkText("banned by", ban.bannedBy, TEXT_LIMITS.identity),
        checkOptionalText("ban reason", ban.reason ?? null, TEXT_LIMITS.banReason),
        checkDate("ban end", ban.until ?? null),
      ],
    );
    return rows[0]!;
  }

  /** Lifts a ban; true when there was one. */
  async remove(meetingId: string, identity: string): Promise<boolean> {
    const rows = await this.#db.query(
      "DELETE FROM meeting_bans WHERE meeting_id = $1 AND identity = $2 RETURNING 1 AS removed",
      [checkMeetingId(meetingId), identity],
    );
    return rows.length === 1;
  }

  /** The ban in force on `identity` at `now`, if any (admission shows its reason and end). */
  async activeBan(meetingId: string, identity: string, now: Date = new Date()): Promise<Ban | undefined> {
    const rows = await this.#db.query<Ban>(
      `SELECT ${BAN_COLUMNS} FROM meeting_bans
       WHERE meeting_id = $1 AND identity = $2 AND (until IS NULL OR until > $3::timestamptz)`,
      [checkMeetingId(meetingId), identity, checkDate("now", now)],
    );
    return rows[0];
  }

  async isBanned(meetingId: string, identity: string, now: Date = new Date()): Promise<boolean> {
    return (await this.activeBan(meetingId, identity, now)) !== undefined;
  }

  /** Every ban of the meeting, lapsed ones included, newest first. */
  async list(meetingId: string): Promise<Ban[]> {
    return await this.#db.query<Ban>(
      `SELECT ${BAN_COLUMNS} FROM meeting_bans WHERE meeting_id = $1 ORDER BY created_at DESC, identity`,
      [checkMeetingId(meetingId)],
    );
  }
}
