import type { SqlExecutor } from "../database.ts";
import { checkDate, checkMeetingId, checkOptionalText, checkText, TEXT_LIMITS } from "../validation.ts";
import type { MeetingRole } from "./cohosts.ts";

export interface MeetingSettings {
  /** Whether people who have not signed in may join (the host allows guests per meeting). */
  readonly guestsAllowed: boolean;
  /** Whether joiners wait until a host admits them. */
  readonly waitingRoom: boolean;
  /** From hashPassword (password-hash.ts), or null for no password. Never the password itself. */
  readonly passwordHash: string | null;
  /** A locked meeting admits nobody new. */
  readonly locked: boolean;
  /** Whether every participant must encrypt media end to end. */
  readonly e2eeRequired: boolean;
}

export interface Meeting {
  /** The lobby path's meeting id. */
  readonly id: string;
  /** The creator's identity (a signed-in user's is their user id). */
  readonly hostIdentity: string;
  /** The host's account, when the host signed in. */
  readonly hostUserId: string | null;
  readonly createdAt: Date;
  /** Set when a host ended the meeting for everyone. */
  readonly endedAt: Date | null;
  readonly settings: MeetingSettings;
}

/** What admission needs to know about one joiner, read in one round trip. */
export interface AdmissionFacts {
  readonly meeting: Meeting;
  readonly role: MeetingRole;
  /** The ban in force at the given time, if any. */
  readonly ban: { readonly reason: string | null; readonly until: Date | null } | undefined;
}

export const DEFAULT_MEETING_SETTINGS: MeetingSettings = {
  guestsAllowed: true,
  waitingRoom: false,
  passwordHash: null,
  locked: false,
  e2eeRequired: false,
};

export interface NewMeeting {
  readonly id: string;
  readonly hostIdentity: string;
  readonly hostUserId?: string | null;
  readonly settings?: Partial<MeetingSettings>;
}

interface MeetingRow {
  id: string;
  hostIdentity: string;
  hostUserId: string | null;
  createdAt: Date;
  endedAt: Date | null;
  guestsAllowed: boolean;
  waitingRoom: boolean;
  passwordHash: string | null;
  locked: boolean;
  e2eeRequired: boolean;
}

/** The columns as MeetingRow names them, qualified by `table` so joins stay unambiguous. */
function meetingColumns(table: string): string {
  return `${table}.id, ${table}.host_identity AS "hostIdentity", ${table}.host_user_id::text AS "hostUserId",
    ${table}.created_at AS "createdAt", ${table}.ended_at AS "endedAt",
    ${table}.guests_allowed AS "guestsAllowed", ${table}.waiting_room AS "waitingRoom",
    ${table}.password_hash AS "passwordHash", ${table}.locked, ${table}.e2ee_required AS "e2eeRequired"`;
}
const MEETING_COLUMNS = meetingColumns("meetings");

const INSERT_MEETING = `INSERT INTO meetings
  (id, host_identity, host_user_id, guests_allowed, waiting_room, password_hash, locked, e2ee_required)
  VALUES ($1, $2, $3::uuid, $4, $5, $6, $7, $8)`;

export class Meetings {
  readonly #db: SqlExecutor;

  constructor(db: SqlExecutor) {
    this.#db = db;
  }

  /** Creates a meeting; a taken id throws a DatabaseError with reason "unique_violation". */
  async create(meeting: NewMeeting): Promise<Meeting> {
    const rows = await this.#db.query<MeetingRow>(
      `${INSERT_MEETING} RETURNING ${MEETING_COLUMNS}`,
      insertParams(meeting),
    );
    return toMeeting(rows[0]!);
  }

  /**
   * The meeting, created with `meeting` as its host if it did not exist yet. When several first joiners race
   * (on one node or several), exactly one gets `created: true` and all get the same row.
   */
  async createIfAbsent(meeting: NewMeeting): Promise<{ meeting: Meeting; created: boolean }> {
    const inserted = await this.#db.query<MeetingRow>(
      `${INSERT_MEETING} ON CONFLICT (id) DO NOTHING RETURNING ${MEETING_COLUMNS}`,
      insertParams(meeting),
    );
    if (inserted[0] !== undefined) return { meeting: toMeeting(inserted[0]), created: true };
    const existing = await this.get(meeting.id);
    if (existing === undefined) {
      // Deleted between the two statements: rare enough to let the caller retry.
      return this.createIfAbsent(meeting);
    }
    return { meeting: existing, created: false };
  }

  async get(id: string): Promise<Meeting | undefined> {
    const rows = await this.#db.query<MeetingRow>(`SELECT ${MEETING_COLUMNS} FROM meetings WHERE id = $1`, [
      checkMeetingId(id),
    ]);
    return rows[0] === undefined ? undefined : toMeeting(rows[0]);
  }

  /**
   * The meeting with the joiner's role and any ban in force at `now`, in one query (the admission check runs
   * it on every join); undefined when the meeting does not exist.
   */
  async admissionFacts(
    id: string,
    identity: string,
    now: Date = new Date(),
  ): Promise<AdmissionFacts | undefined> {
    const rows = await this.#db.query<
      MeetingRow & { role: MeetingRole; banned: boolean; banReason: string | null; banUntil: Date | null }
    >(
      `SELECT ${meetingColumns("m")},
         CASE WHEN m.host_identity = $2 THEN 'host' WHEN c.identity IS NOT NULL THEN 'cohost'
           ELSE 'participant' END AS role,
         b.identity IS NOT NULL AS banned, b.reason AS "banReason", b.until AS "banUntil"
       FROM meetings m
       LEFT JOIN meeting_cohosts c ON c.meeting_id = m.id AND c.identity = $2
       LEFT JOIN meeting_bans b ON b.meeting_id = m.id AND b.identity = $2
         AND (b.until IS NULL OR b.until > $3::timestamptz)
       WHERE m.id = $1`,
      [checkMeetingId(id), identity, checkDate("now", now)],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return {
      meeting: toMeeting(row),
      role: row.role,
      ban: row.banned ? { reason: row.banReason, until: row.banUntil } : undefined,
    };
  }

  /** Changes the given settings and keeps the others; undefined when there is no such meeting. */
  async updateSettings(id: string, changes: Partial<MeetingSettings>): Promise<Meeting | undefined> {
    // Fixed SQL: a NULL parameter keeps the column. The password needs its own flag because null is a value.
    const rows = await this.#db.query<MeetingRow>(
      `UPDATE meetings SET
         guests_allowed = COALESCE($2::boolean, guests_allowed),
         waiting_room = COALESCE($3::boolean, waiting_room),
         locked = COALESCE($4::boolean, locked),
         e2ee_required = COALESCE($5::boolean, e2ee_required),
         password_hash = CASE WHEN $6::boolean THEN $7::text ELSE password_hash END
       WHERE id = $1
       RETURNING ${MEETING_COLUMNS}`,
      [
        checkMeetingId(id),
        changes.guestsAllowed ?? null,
        changes.waitingRoom ?? null,
        changes.locked ?? null,
        changes.e2eeRequired ?? null,
        changes.passwordHash !== undefined,
        changes.passwordHash === undefined ? null : checkPasswordHash(changes.passwordHash),
      ],
    );
    return rows[0] === undefined ? undefined : toMeeting(rows[0]);
  }

  /** Ends the meeting for everyone (the first end time stays); undefined when there is no such meeting. */
  async end(id: string, at: Date = new Date()): Promise<Meeting | undefined> {
    const rows = await this.#db.query<MeetingRow>(
      `UPDATE meetings SET ended_at = COALESCE(ended_at, $2::timestamptz) WHERE id = $1
       RETURNING ${MEETING_COLUMNS}`,
      [checkMeetingId(id), at],
    );
    return rows[0] === undefined ? undefined : toMeeting(rows[0]);
  }
}

function insertParams(meeting: NewMeeting): (string | boolean | null)[] {
  const settings = { ...DEFAULT_MEETING_SETTINGS, ...meeting.settings };
  return [
    checkMeetingId(meeting.id),
    checkText("host identity", meeting.hostIdentity, TEXT_LIMITS.identity),
    meeting.hostUserId ?? null,
    settings.guestsAllowed,
    settings.waitingRoom,
    checkPasswordHash(settings.passwordHash),
    settings.locked,
    settings.e2eeRequired,
  ];
}

function checkPasswordHash(value: string | null): string | null {
  return checkOptionalText("password hash", value, 512);
}

function toMeeting(row: MeetingRow): Meeting {
  return {
    id: row.id,
    hostIdentity: row.hostIdentity,
    hostUserId: row.hostUserId,
    createdAt: row.createdAt,
    endedAt: row.endedAt,
    settings: {
      guestsAllowed: row.guestsAllowed,
      waitingRoom: row.waitingRoom,
      passwordHash: row.passwordHash,
      locked: row.locked,
      e2eeRequired: row.e2eeRequired,
    },
  };
}
