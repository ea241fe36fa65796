import {
  CloseCode,
  Grant,
  HOST_GRANTS,
  negotiateProtocolVersion,
  PARTICIPANT_GRANTS,
} from "@videocall/protocol";
import { type ApiCredentials, RoomTokenError, verifyRoomToken } from "../auth/room-token.ts";
import { DatabaseError } from "../db/database-error.ts";
import type { MeetingDirectory } from "../meetings/meeting-directory.ts";
import type { Admission, Admitter, JoinRequest, ParticipantRoleName, Refusal } from "./admitter.ts";

export interface TokenAdmitterOptions {
  readonly meetings: MeetingDirectory;
  /** The key and secret room tokens must be signed with (the server's own random ones when none are configured). */
  readonly credentials: ApiCredentials;
  /**
   * Refuse connections without a token (4021). Otherwise they join as guests under the lobby path's name,
   * with an identity the server makes up per connection (open guest mode: the zero-configuration quick start).
   */
  readonly requireToken: boolean;
}

/** The messages the UI shows for each refusal (it localises by code; these are the English fallbacks). */
export const REFUSAL_MESSAGES = {
  serverStarting: "the server is starting; try again in a moment",
  tokenRequired: "this meeting needs an invitation (a room token)",
  tokenExpired: "your invitation has expired; get a new one",
  tokenWrongMeeting: "your invitation is for another meeting",
  banned: "a host removed you from this meeting",
  meetingLocked: "this meeting is locked",
  passwordRequired: "this meeting needs a password",
  wrongPassword: "wrong meeting password",
  guestsNotAllowed: "this meeting admits signed-in users only",
  e2eeRequired: "this meeting requires end-to-end encryption",
} as const;

const RANK: Record<ParticipantRoleName, number> = { participant: 0, cohost: 1, host: 2 };

/**
 * The admission check of issue 10, one async call per connection before its Welcome (both transports):
 * the room token (signature, expiry, meeting), then what the database says about the meeting and this
 * identity: ban, guests allowed, lock, password. The first identity admitted to a meeting id nobody used yet
 * becomes its host (MeetingDirectory.factsForJoin). Hosts and co-hosts pass the lock and the password.
 * Capacity is the relay's, right after this answers.
 */
export class TokenAdmitter implements Admitter {
  readonly #options: TokenAdmitterOptions;

  constructor(options: TokenAdmitterOptions) {
    this.#options = options;
  }

  async authorize(request: JoinRequest): Promise<Admission | Refusal> {
    const protocolVersion = negotiateProtocolVersion(request.offeredVersions);
    if (protocolVersion === undefined) {
      return { code: CloseCode.unsupportedProtocolVersion, reason: "no common protocol version" };
    }
    const who = await this.#whoIsJoining(request);
    if ("code" in who) return who;
    let facts: Awaited<ReturnType<MeetingDirectory["factsForJoin"]>>;
    try {
      facts = await this.#options.meetings.factsForJoin(request.meetingId, who.identity);
    } catch (error) {
      if (error instanceof DatabaseError && (error.reason === "unavailable" || error.reason === "closed")) {
        return { code: CloseCode.serverStarting, reason: REFUSAL_MESSAGES.serverStarting };
      }
      throw error;
    }
    if (facts.ban) {
      const reason = facts.ban.reason
        ? `${REFUSAL_MESSAGES.banned}: ${facts.ban.reason}`
        : REFUSAL_MESSAGES.banned;
      return { code: CloseCode.banned, reason: reason.slice(0, 120) };
    }
    const settings = facts.meeting.settings;
    // Everyone, hosts included: one participant in clear would undo the meeting's encryption.
    if (settings.e2eeRequired && request.e2ee !== true) {
      return { code: CloseCode.e2eeRequired, reason: REFUSAL_MESSAGES.e2eeRequired };
    }
    const role: ParticipantRoleName = RANK[who.role] > RANK[facts.role] ? who.role : facts.role;
    const inCharge = role !== "participant";
    if (!inCharge) {
      if (who.guest && !settings.guestsAllowed) {
        return { code: CloseCode.guestsNotAllowed, reason: REFUSAL_MESSAGES.guestsNotAllowed };
      }
      if (settings.locked) return { code: CloseCode.meetingLocked, reason: REFUSAL_MESSAGES.meetingLocked };
      if (settings.passwordHash !== null) {
        if (!request.password) {
          return { code: CloseCode.passwordRequired, reason: REFUSAL_MESSAGES.passwordRequired };
        }
        if (!(await this.#options.meetings.passwordMatches(facts.meeting, request.password))) {
          return { code: CloseCode.wrongPassword, reason: REFUSAL_MESSAGES.wrongPassword };
        }
      }
    }
    const granted = who.grants ?? (inCharge ? HOST_GRANTS : PARTICIPANT_GRANTS);
    return {
      identity: who.identity,
      displayName: who.displayName,
      meetingId: request.meetingId,
      protocolVersion,
      role,
      grants: inCharge ? granted | Grant.admin : granted,
      guest: who.guest,
      e2eeRequired: settings.e2eeRequired,
    };
  }

  async #whoIsJoining(request: JoinRequest): Promise<
    | {
        identity: string;
        displayName: string;
        guest: boolean;
        role: ParticipantRoleName;
        grants: number | undefined;
      }
    | Refusal
  > {
    if (request.credential === undefined || request.credential === "") {
      if (this.#options.requireToken) {
        return { code: CloseCode.tokenRequired, reason: REFUSAL_MESSAGES.tokenRequired };
      }
      return {
        identity: `guest:${crypto.randomUUID()}`,
        displayName: request.username,
        guest: true,
        role: "participant",
        grants: undefined,
      };
    }
    try {
      const claims = await verifyRoomToken(this.#options.credentials, request.credential);
      if (claims.meetingId !== request.meetingId) {
        return { code: CloseCode.tokenWrongMeeting, reason: REFUSAL_MESSAGES.tokenWrongMeeting };
      }
      return claims;
    } catch (error) {
      if (!(error instanceof RoomTokenError)) throw error;
      return error.problem === "expired"
        ? { code: CloseCode.tokenExpired, reason: REFUSAL_MESSAGES.tokenExpired }
        : { code: CloseCode.tokenInvalid, reason: error.message };
    }
  }
}
