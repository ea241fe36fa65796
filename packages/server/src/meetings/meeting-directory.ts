import type { OpeningDatabase } from "../db/open-database.ts";
import { hashPassword, verifyPassword } from "../db/password-hash.ts";
import {
  type AdmissionFacts,
  type Meeting,
  type MeetingLogEntry,
  type MeetingLogEvent,
  type MeetingRole,
  type MeetingSettings,
  type NewChatMessage,
  repositoriesFor,
  type StoredChatMessage,
} from "../db/repositories/mod.ts";

/** Settings a host changes; the password travels in clear only as far as this object, which hashes it. */
export interface MeetingSettingsChange {
  readonly guestsAllowed?: boolean;
  readonly waitingRoom?: boolean;
  readonly locked?: boolean;
  readonly e2eeRequired?: boolean;
  /** A new password, or null to remove it. */
  readonly password?: string | null;
}

/**
 * What the server remembers about meetings (hosts, co-hosts, settings, bans, the log), over the database.
 * Admission reads through it once per join; host controls write through it. It holds no cache, so every node
 * sharing one PostgreSQL sees the same meetings; what must take effect at once on other nodes (a kick, an
 * admit) also travels over the bus.
 */
export class MeetingDirectory {
  readonly #database: OpeningDatabase;
  readonly #readyTimeoutMs: number;

  /** `readyTimeoutMs`: how long a call waits for a database still opening before it fails with "still starting". */
  constructor(database: OpeningDatabase, options: { readyTimeoutMs?: number } = {}) {
    this.#database = database;
    this.#readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  }

  async #repositories() {
    return repositoriesFor(await this.#database.readyWithin(this.#readyTimeoutMs));
  }

  /**
   * The meeting, the joiner's role and any ban in force. A meeting id nobody has used yet is created with
   * this joiner as its host: whoever opens a meeting first runs it.
   */
  async factsForJoin(
    meetingId: string,
    identity: string,
    hostUserId: string | null = null,
  ): Promise<AdmissionFacts & { readonly created: boolean }> {
    const repositories = await this.#repositories();
    const facts = await repositories.meetings.admissionFacts(meetingId, identity);
    if (facts) return { ...facts, created: false };
    const { meeting, created } = await repositories.meetings.createIfAbsent({
      id: meetingId,
      hostIdentity: identity,
      hostUserId,
    });
    if (created) return { meeting, role: "host", ban: undefined, created };
    // Two first joins raced and the other created it: read again for this joiner's role and ban.
    const raced = await repositories.meetings.admissionFacts(meetingId, identity);
    if (!raced) throw new Error(`meeting ${meetingId} vanished while joining`);
    return { ...raced, created: false };
  }

  async get(meetingId: string): Promise<Meeting | undefined> {
    return (await this.#repositories()).meetings.get(meetingId);
  }

  /** The meeting's settings (password as its hash), or undefined for a meeting id nobody has used. */
  async settingsOf(meetingId: string): Promise<MeetingSettings | undefined> {
    return (await this.get(meetingId))?.settings;
  }

  /** host, cohost or participant, as the database says (a token may raise it: TokenAdmitter). */
  async roleOf(meetingId: string, identity: string): Promise<MeetingRole> {
    return (await this.#repositories()).cohosts.roleOf(meetingId, identity);
  }

  async updateSettings(meetingId: string, change: MeetingSettingsChange): Promise<Meeting | undefined> {
    const { password, ...flags } = change;
    const changes: Partial<MeetingSettings> = {
      ...flags,
      ...(password === undefined
        ? {}
        : { passwordHash: password === null ? null : await hashPassword(password) }),
    };
    return (await this.#repositories()).meetings.updateSettings(meetingId, changes);
  }

  /** Whether `password` opens the meeting; a meeting without a password opens with anything. */
  async passwordMatches(meeting: Meeting, password: string | undefined): Promise<boolean> {
    const stored = meeting.settings.passwordHash;
    if (stored === null) return true;
    if (password === undefined || password === "") return false;
    return verifyPassword(password, stored);
  }

  async ban(
    meetingId: string,
    identity: string,
    bannedBy: string,
    options: { reason?: string | null; until?: Date | null } = {},
  ): Promise<void> {
    await (await this.#repositories()).bans.add({ meetingId, identity, bannedBy, ...options });
  }

  async unban(meetingId: string, identity: string): Promise<boolean> {
    return (await this.#repositories()).bans.remove(meetingId, identity);
  }

  /** Makes `identity` a co-host; false when it already was one. */
  async promote(meetingId: string, identity: string, grantedBy: string): Promise<boolean> {
    return (await this.#repositories()).cohosts.add(meetingId, identity, grantedBy);
  }

  async demote(meetingId: string, identity: string): Promise<boolean> {
    return (await this.#repositories()).cohosts.remove(meetingId, identity);
  }

  /** Ends the meeting for everyone (the relay closes its connections; this records it). */
  async end(meetingId: string): Promise<Meeting | undefined> {
    return (await this.#repositories()).meetings.end(meetingId);
  }

  /** The meeting's log, oldest first (at most `limit` entries). */
  async logOf(meetingId: string, limit = 1000): Promise<MeetingLogEntry[]> {
    return (await this.#repositories()).meetingLog.list(meetingId, limit);
  }

  async log(meetingId: string, event: MeetingLogEvent, identity: string, displayName: string): Promise<void> {
    await (await this.#repositories()).meetingLog.append({ meetingId, event, identity, displayName });
  }

  /** Stores a chat message, or finds the one its sender already stored under that client id. */
  async storeChat(message: NewChatMessage): Promise<{ message: StoredChatMessage; duplicate: boolean }> {
    return (await this.#repositories()).chatMessages.store(message);
  }

  /** The most recent chat messages `identity` may see, oldest first. */
  async chatVisibleTo(meetingId: string, identity: string, limit: number): Promise<StoredChatMessage[]> {
    return (await this.#repositories()).chatMessages.visibleTo(meetingId, identity, limit);
  }
}
