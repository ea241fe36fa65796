import type { SqlExecutor } from "../database.ts";
import { checkMeetingId, checkText, TEXT_LIMITS } from "../validation.ts";

export interface CoHost {
  readonly meetingId: string;
  readonly identity: string;
  /** The host or co-host who promoted them. */
  readonly grantedBy: string;
  readonly grantedAt: Date;
}

export type MeetingRole = "host" | "cohost" | "participant";

const COHOST_COLUMNS = `meeting_id AS "meetingId", identity, granted_by AS "grantedBy", granted_at AS "grantedAt"`;

export class CoHosts {
  readonly #db: SqlExecutor;

  constructor(db: SqlExecutor) {
    this.#db = db;
  }

  /** Promotes `identity`; true when it was not a co-host yet. A missing meeting is a "foreign_key_violation". */
  async add(meetingId: string, identity: string, grantedBy: string): Promise<boolean> {
    const rows = await this.#db.query(
      `INSERT INTO meeting_cohosts (meeting_id, identity, granted_by) VALUES ($1, $2, $3)
       ON CONFLICT (meeting_id, identity) DO NOTHING RETURNING 1 AS added`,
      [
        checkMeetingId(meetingId),
        checkText("identity", identity, TEXT_LIMITS.identity),
        checkText("granted by", grantedBy, TEXT_LIMITS.identity),
      ],
    );
    return rows.length === 1;
  }

  /** Demotes `identity`; true when it was a co-host. */
  async remove(meetingId: string, identity: string): Promise<boolean> {
    const rows = await this.#db.query(
      "DELETE FROM meeting_cohosts WHERE meeting_id = $1 AND identity = $2 RETURNING 1 AS removed",
      [checkMeetingId(meetingId), identity],
    );
    return rows.length === 1;
  }

  async list(meetingId: string): Promise<CoHost[]> {
    return await this.#db.query<CoHost>(
      `SELECT ${COHOST_COLUMNS} FROM meeting_cohosts WHERE meeting_id = $1 ORDER BY granted_at, identity`,
      [checkMeetingId(meetingId)],
    );
  }

  /** What `identity` may do in the meeting, in one query: host, co-host or neither. */
  async roleOf(meetingId: string, identity: string): Promise<MeetingRole> {
    const rows = await this.#db.query<{ role: MeetingRole }>(
      `SELECT CASE
         WHEN m.host_identity = $2 THEN 'host'
         WHEN EXISTS (SELECT 1 FROM meeting_cohosts c WHERE c.meeting_id = m.id AND c.identity = $2) THEN 'cohost'
         ELSE 'participant' END AS role
       FROM meetings m WHERE m.id = $1`,
      [checkMeetingId(meetingId), identity],
    );
    return rows[0]?.role ?? "participant";
  }
}
