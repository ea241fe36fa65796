import type { SqlExecutor } from "../database.ts";
import { checkDate, checkMeetingId, checkText, invalid, TEXT_LIMITS } from "../validation.ts";

export const MEETING_LOG_EVENTS = [
  "joined",
  "left",
  "kicked",
  "admitted",
  "denied",
  // Since migration 2: what host controls do (docs/meeting-control.md).
  "banned",
  "muted",
  "role_changed",
  "settings_changed",
  "ended",
] as const;
export type MeetingLogEvent = (typeof MEETING_LOG_EVENTS)[number];

export interface MeetingLogEntry {
  readonly meetingId: string;
  readonly identity: string;
  /** The name shown at the time (display names change; identities do not). */
  readonly displayName: string;
  readonly event: MeetingLogEvent;
  readonly at: Date;
}

export interface NewMeetingLogEntry {
  readonly meetingId: string;
  readonly identity: string;
  readonly displayName: string;
  readonly event: MeetingLogEvent;
  readonly at?: Date;
}

/** A page never holds more than this, whatever the caller asks for. */
export const MAX_LOG_PAGE = 10_000;

const LOG_COLUMNS = `meeting_id AS "meetingId", identity, display_name AS "displayName", event, at`;

export class MeetingLog {
  readonly #db: SqlExecutor;

  constructor(db: SqlExecutor) {
    this.#db = db;
  }

  async append(entry: NewMeetingLogEntry): Promise<void> {
    if (!(MEETING_LOG_EVENTS as readonly string[]).includes(entry.event)) {
      invalid("event", `must be one of ${MEETING_LOG_EVENTS.join(", ")}`);
    }
    await this.#db.query(
      `INSERT INTO meeting_log (meeting_id, identity, display_name, event, at)
       VALUES ($1, $2, $3, $4, COALESCE($5::timestamptz, now()))`,
      [
        checkMeetingId(entry.meetingId),
        checkText("identity", entry.identity, TEXT_LIMITS.identity),
        checkText("display name", entry.displayName, TEXT_LIMITS.displayName),
        entry.event,
        checkDate("log time", entry.at ?? null),
      ],
    );
  }

  /** The meeting's entries, oldest first, at most `limit` (default 1000) of the most recent ones. */
  async list(meetingId: string, limit = 1000): Promise<MeetingLogEntry[]> {
    const pageSize = Math.max(1, Math.min(MAX_LOG_PAGE, Math.floor(limit) || 1));
    const rows = await this.#db.query<MeetingLogEntry>(
      `SELECT * FROM (
         SELECT ${LOG_COLUMNS}, id FROM meeting_log WHERE meeting_id = $1 ORDER BY at DESC, id DESC LIMIT $2
       ) recent ORDER BY at, id`,
      [checkMeetingId(meetingId), pageSize],
    );
    return rows.map(({ meetingId, identity, displayName, event, at }) => ({
      meetingId,
      identity,
      displayName,
      event,
      at,
    }));
  }

  /** Deletes entries older than `before` (a retention policy); returns how many went. */
  async deleteOlderThan(before: Date): Promise<number> {
    const rows = await this.#db.query<{ deleted: number }>(
      `WITH gone AS (DELETE FROM meeting_log WHERE at < $1::timestamptz RETURNING 1)
       SELECT count(*)::int AS deleted FROM gone`,
      [checkDate("cut-off", before)],
    );
    return rows[0]?.deleted ?? 0;
  }
}
