import { create } from "@bufbuild/protobuf";
import {
  CloseCode,
  encodePacket,
  Grant,
  type HostCommand,
  type HostCommandKind,
  hostCommandProblem,
  LeaveReason,
  type MediaKind,
  type MeetingState,
  MeetingStateSchema,
  ParticipantRole,
  type RoleAssignment,
  type WaitingJoiner,
  WaitingJoinerSchema,
} from "@videocall/protocol";
import type { ParticipantRoleName, Refusal } from "../admission/admitter.ts";
import type { PresenceEvent } from "../bus/meeting-bus.ts";
import type { MeetingLogEvent } from "../db/repositories/meeting-log.ts";
import type { MeetingSettings } from "../db/repositories/meetings.ts";
import type { MeetingDirectory } from "../meetings/meeting-directory.ts";
import type { Logger } from "../observability/log.ts";
import type { RelayStats } from "../observability/relay-stats.ts";
import type { RecordingControl } from "../recording/recordings.ts";
import type { LocalParticipant, RemoteParticipant } from "./meeting-room.ts";

/** What meeting control does to one of this node's connections. */
export interface ControlledConnection {
  readonly sessionId: number;
  /** Closes it with a Goodbye carrying `code` (kicked, banned, denied, meeting ended). */
  close(code: number, reason: string, options?: { leaveReason?: LeaveReason }): void;
  /** A waiting joiner was admitted: send its Welcome and join it to the meeting. */
  admitFromWaiting(): void;
  /** Drop this kind of its media until it unmutes itself, and tell it (MutedByHost). */
  muteByHost(kind: MediaKind, bySessionId: number): void;
  /** Sends one packet straight to the client (waiting joiners have no queue). */
  send(packet: Uint8Array): void;
}

/** The room as meeting control sees it. */
export interface ControlRoomView {
  local(sessionId: number): LocalParticipant | undefined;
  locals(): Iterable<LocalParticipant>;
  remote(sessionId: number): RemoteParticipant | undefined;
  remotes(): Iterable<RemoteParticipant>;
  publish(event: PresenceEvent): void;
  /** Whether the participant's hand is up, on any node. */
  isHandRaised(sessionId: number): boolean;
  /** Lowers the hand of a participant on this node (nothing for others). */
  lowerHand(sessionId: number): void;
}

export interface MeetingControlOptions {
  readonly meetingId: string;
  readonly stats: RelayStats;
  readonly room: ControlRoomView;
  /** Where settings, co-hosts, bans and the log are kept; without it, settings live in memory only and bans are refused. */
  readonly meetings?: MeetingDirectory | undefined;
  readonly log?: Logger | undefined;
  /** Server-side recording (docs/recording.md); without it, `record` is answered "this server does not record". */
  readonly recordings?: RecordingControl | undefined;
}

/** The settings the relay enforces for a meeting, as far as this node knows them. */
export interface ControlSettings {
  locked: boolean;
  waitingRoom: boolean;
  guestsAllowed: boolean;
  hasPassword: boolean;
  /** The meeting requires end-to-end encryption: the server cannot record it. */
  e2eeRequired: boolean;
  /** A server-side recording runs (on some node): MeetingState.recording. */
  recording: boolean;
}

/** Most waiting joiners a node may announce for one meeting; a longer list from the bus is dropped. */
const MAX_WAITING_PER_NODE = 10_000;
const MAX_IDENTITY_CHARS = 256;

export const KICKED_MESSAGE = "a host removed you from the meeting";
export const BANNED_MESSAGE = "a host removed you from the meeting and you may not rejoin it";
export const DENIED_MESSAGE = "a host did not let you in";
export const MEETING_ENDED_MESSAGE = "a host ended the meeting for everyone";
export const MEETING_LOCKED_MESSAGE = "the meeting is locked: nobody new may join";
export const RECORDING_E2EE_MESSAGE =
  "this meeting is end-to-end encrypted: the server cannot read its media, so it cannot record it";

interface WaitingEntry {
  readonly connection: ControlledConnection;
  readonly joiner: WaitingJoiner;
}

/** A refusal of a host command: the issuer reads `error` in its HostCommandResult. */
type CommandOutcome = { ok: true } | { ok: false; outcome: "refused" | "invalid" | "failed"; error: string };

const DONE: CommandOutcome = { ok: true };

/**
 * Meeting control for one meeting on one node: the settings it enforces (lock, waiting room), the
 * roles, the joiners waiting here and on other nodes, and host commands. A command from a local host
 * is checked (shape, authority, targets), written to the meeting directory, carried out for this
 * node's connections and published on the bus; the other nodes carry it out for theirs. Nodes trust
 * each other's checks, as they share the bus and the database.
 */
export class MeetingControl {
  readonly #options: MeetingControlOptions;
  readonly #settings: ControlSettings = {
    locked: false,
    waitingRoom: false,
    guestsAllowed: true,
    hasPassword: false,
    e2eeRequired: false,
    recording: false,
  };
  readonly #waiting = new Map<number, WaitingEntry>();
  readonly #remoteWaiting = new Map<string, WaitingJoiner[]>();

  constructor(options: MeetingControlOptions) {
    this.#options = options;
  }

  get settings(): Readonly<ControlSettings> {
    return this.#settings;
  }

  get localWaitingCount(): number {
    return this.#waiting.size;
  }

  isWaiting(sessionId: number): boolean {
    return this.#waiting.has(sessionId);
  }

  /** Settings read from the directory when this node opens the meeting (later changes arrive as commands). */
  loadSettings(settings: MeetingSettings): void {
    this.#settings.locked = settings.locked;
    this.#settings.waitingRoom = settings.waitingRoom;
    this.#settings.guestsAllowed = settings.guestsAllowed;
    this.#settings.hasPassword = settings.passwordHash !== null;
    this.#settings.e2eeRequired = settings.e2eeRequired;
  }

  /** Hosts and co-hosts pass a locked meeting and the waiting room; others do not. */
  refusalFor(role: ParticipantRoleName): Refusal | undefined {
    if (this.#settings.locked && role === "participant")
      return { code: CloseCode.meetingLocked, reason: MEETING_LOCKED_MESSAGE };
    return undefined;
  }

  mustWait(role: ParticipantRoleName): boolean {
    return this.#settings.waitingRoom && role === "participant";
  }

  /** Holds a joiner in the waiting room (the relay sent it the Waiting packet): hosts everywhere see it. */
  hold(
    connection: ControlledConnection,
    profile: { identity: string; displayName: string; guest: boolean },
  ): void {
    const joiner = create(WaitingJoinerSchema, {
      sessionId: connection.sessionId,
      identity: profile.identity,
      displayName: profile.displayName,
      guest: profile.guest,
    });
    this.#waiting.set(connection.sessionId, { connection, joiner });
    this.#waitingChanged();
  }

  /** A waiting joiner left (or was admitted, denied, timed out). */
  removeWaiting(sessionId: number): void {
    if (this.#waiting.delete(sessionId)) this.#waitingChanged();
  }

  /** A participant joined on this node: it learns the meeting's state. */
  joined(participant: LocalParticipant): void {
    participant.queue.push(this.#encodeState(canSeeWaiting(participant)), CONTROL);
  }

  /** A host or co-host left or a remote role changed: everyone's roles list is out of date. */
  rolesChanged(): void {
    this.#broadcastState();
  }

  onRosterRequest(): void {
    if (this.#waiting.size > 0) this.#publishWaitingList();
  }

  onNodeGone(nodeId: string): void {
    if (this.#remoteWaiting.delete(nodeId)) this.#sendStateToHosts();
  }

  /** Another node's waiting joiners: untrusted input, checked like a client's. */
  onWaitingList(nodeId: string, joiners: WaitingJoiner[]): void {
    if (joiners.length > MAX_WAITING_PER_NODE || !joiners.every(isSaneJoiner)) {
      this.#options.stats.countBadInput("bus_malformed");
      return;
    }
    if (joiners.length === 0) this.#remoteWaiting.delete(nodeId);
    else this.#remoteWaiting.set(nodeId, joiners);
    this.#sendStateToHosts();
  }

  /**
   * A command from a local participant. Never throws. `reply` gets the answer for the issuer's
   * HostCommandResult once: before the command takes effect here when it is carried out (ending the
   * meeting closes the issuer too), else when it is refused. Counted by outcome in the stats.
   */
  async execute(
    issuer: LocalParticipant,
    command: HostCommand,
    reply: (result: { ok: boolean; error: string }) => void,
  ): Promise<void> {
    let outcome: CommandOutcome;
    const accepted = () => {
      this.#options.stats.hostCommands.done++;
      this.#logCommand(issuer, command, DONE);
      reply({ ok: true, error: "" });
    };
    try {
      outcome = await this.#execute(issuer, command, accepted);
    } catch (error) {
      this.#options.log?.error(
        { meetingId: this.#options.meetingId, command: command.command.case, error: String(error) },
        "host command failed",
      );
      outcome = { ok: false, outcome: "failed", error: "the server could not carry out the command" };
    }
    if (outcome.ok) return;
    this.#options.stats.hostCommands[outcome.outcome]++;
    this.#logCommand(issuer, command, outcome);
    reply({ ok: false, error: outcome.error });
  }

  #logCommand(issuer: LocalParticipant, command: HostCommand, outcome: CommandOutcome): void {
    this.#options.log?.info(
      {
        meetingId: this.#options.meetingId,
        issuer: issuer.identity,
        command: command.command.case,
        ok: outcome.ok,
        ...(outcome.ok ? {} : { error: outcome.error }),
      },
      "host command",
    );
  }

  /** A command another node carried out: do the same to this node's connections. */
  applyFromBus(command: HostCommand, issuerSessionId: number, hasPassword: boolean): void {
    if (hostCommandProblem(command)) {
      this.#options.stats.countBadInput("bus_malformed");
      return;
    }
    this.#apply(command, issuerSessionId, hasPassword);
  }

  async #execute(
    issuer: LocalParticipant,
    command: HostCommand,
    accepted: () => void,
  ): Promise<CommandOutcome> {
    const problem = hostCommandProblem(command);
    if (problem) return { ok: false, outcome: "invalid", error: problem };
    const body = command.command;
    const kind = body.case as HostCommandKind;
    if (!hasAuthority(issuer, kind)) {
      return {
        ok: false,
        outcome: "refused",
        error: kind === "setRole" ? "only the host may change roles" : "only hosts and co-hosts may do this",
      };
    }
    const meetings = this.#options.meetings;
    const meetingId = this.#options.meetingId;
    let hasPassword = this.#settings.hasPassword;
    switch (body.case) {
      case "admit":
      case "deny": {
        const joiners = this.#waitingJoiners(body.value.all ? undefined : body.value.sessionIds);
        if (joiners.length === 0) return { ok: false, outcome: "invalid", error: "nobody such is waiting" };
        const event = body.case === "admit" ? "admitted" : "denied";
        for (const joiner of joiners) this.#logInBackground(event, joiner.identity, joiner.displayName);
        break;
      }
      case "kick": {
        const target = this.#participant(body.value.sessionId);
        if (!target) {
          if (!this.#waitingJoiners([body.value.sessionId]).length)
            return { ok: false, outcome: "invalid", error: "no such participant" };
        } else if (target.role === ParticipantRole.HOST) {
          return { ok: false, outcome: "refused", error: "the host cannot be removed" };
        }
        const identity = target?.identity ?? this.#waitingJoiners([body.value.sessionId])[0]?.identity ?? "";
        const name = target?.username ?? this.#waitingJoiners([body.value.sessionId])[0]?.displayName ?? "";
        if (body.value.ban) {
          if (!meetings) return { ok: false, outcome: "failed", error: "bans need the meeting database" };
          await meetings.ban(meetingId, identity, issuer.identity, {
            reason: body.value.reason === "" ? null : body.value.reason,
          });
        }
        this.#logInBackground(body.value.ban ? "banned" : "kicked", identity, name);
        break;
      }
      case "mute": {
        const target = this.#participant(body.value.sessionId);
        if (!target) return { ok: false, outcome: "invalid", error: "no such participant" };
        if (target.role === ParticipantRole.HOST && target.sessionId !== issuer.sessionId)
          return { ok: false, outcome: "refused", error: "the host cannot be muted by others" };
        this.#logInBackground("muted", target.identity, target.username);
        break;
      }
      case "setRole": {
        const target = this.#participant(body.value.sessionId);
        if (!target) return { ok: false, outcome: "invalid", error: "no such participant" };
        if (target.role === ParticipantRole.HOST)
          return { ok: false, outcome: "refused", error: "the host's role cannot change" };
        if (meetings) {
          if (body.value.role === ParticipantRole.COHOST)
            await meetings.promote(meetingId, target.identity, issuer.identity);
          else await meetings.demote(meetingId, target.identity);
        }
        this.#logInBackground("role_changed", target.identity, target.username);
        break;
      }
      case "settings": {
        const { locked, waitingRoom, guestsAllowed, password } = body.value;
        if (password !== undefined) hasPassword = password !== "";
        if (meetings) {
          await meetings.updateSettings(meetingId, {
            ...(locked === undefined ? {} : { locked }),
            ...(waitingRoom === undefined ? {} : { waitingRoom }),
            ...(guestsAllowed === undefined ? {} : { guestsAllowed }),
            ...(password === undefined ? {} : { password: password === "" ? null : password }),
          });
        }
        this.#logInBackground("settings_changed", issuer.identity, issuer.username);
        break;
      }
      case "end":
        if (meetings) await meetings.end(meetingId);
        this.#logInBackground("ended", issuer.identity, issuer.username);
        break;
      case "lowerHand":
        // Not in the meeting log: a hand is no lasting change to the meeting.
        if (!this.#options.room.isHandRaised(body.value.sessionId))
          return { ok: false, outcome: "invalid", error: "that hand is not raised" };
        break;
      case "record": {
        const recordings = this.#options.recordings;
        if (!recordings) return { ok: false, outcome: "failed", error: "this server does not record" };
        if (body.value.start) {
          if (this.#settings.e2eeRequired)
            return { ok: false, outcome: "refused", error: RECORDING_E2EE_MESSAGE };
          if (this.#settings.recording)
            return { ok: false, outcome: "invalid", error: "the meeting is already being recorded" };
          await recordings.start(meetingId);
        } else {
          if (!this.#settings.recording)
            return { ok: false, outcome: "invalid", error: "the meeting is not being recorded" };
          // The recorder runs on the node whose host started it; another node's host stops it there.
          await recordings.stop(meetingId);
        }
        break;
      }
    }
    accepted();
    // Published before it is applied here: ending the meeting closes this room and its bus subscription.
    this.#options.room.publish({
      type: "host-command",
      command,
      issuerSessionId: issuer.sessionId,
      hasPassword,
    });
    this.#apply(command, issuer.sessionId, hasPassword);
    return DONE;
  }

  /** Carries out a checked command for this node's connections (the issuer may be on any node). */
  #apply(command: HostCommand, issuerSessionId: number, hasPassword: boolean): void {
    const body = command.command;
    const room = this.#options.room;
    switch (body.case) {
      case "admit":
      case "deny": {
        const ids = body.value.all ? [...this.#waiting.keys()] : body.value.sessionIds;
        for (const id of ids) {
          const entry = this.#waiting.get(id);
          if (!entry) continue;
          this.#waiting.delete(id);
          if (body.case === "admit") entry.connection.admitFromWaiting();
          else entry.connection.close(CloseCode.deniedEntry, DENIED_MESSAGE);
        }
        this.#forgetRemoteWaiting(body.value.all ? undefined : body.value.sessionIds);
        this.#waitingChanged();
        break;
      }
      case "kick": {
        const { sessionId, ban, reason } = body.value;
        const code = ban ? CloseCode.kickedAndBanned : CloseCode.kicked;
        const message = reason !== "" ? reason : ban ? BANNED_MESSAGE : KICKED_MESSAGE;
        const waiting = this.#waiting.get(sessionId);
        if (waiting) {
          this.#waiting.delete(sessionId);
          waiting.connection.close(code, message);
          this.#waitingChanged();
        }
        room.local(sessionId)?.control.close(code, message, { leaveReason: LeaveReason.KICKED });
        break;
      }
      case "mute":
        room.local(body.value.sessionId)?.control.muteByHost(body.value.kind, issuerSessionId);
        break;
      case "setRole": {
        const role =
          body.value.role === ParticipantRole.COHOST ? ParticipantRole.COHOST : ParticipantRole.PARTICIPANT;
        const local = room.local(body.value.sessionId);
        if (local && local.role !== "host")
          local.role = role === ParticipantRole.COHOST ? "cohost" : "participant";
        const remote = room.remote(body.value.sessionId);
        if (remote && remote.role !== ParticipantRole.HOST) remote.role = role;
        this.#broadcastState();
        break;
      }
      case "settings": {
        const { locked, waitingRoom, guestsAllowed } = body.value;
        if (locked !== undefined) this.#settings.locked = locked;
        if (waitingRoom !== undefined) this.#settings.waitingRoom = waitingRoom;
        if (guestsAllowed !== undefined) this.#settings.guestsAllowed = guestsAllowed;
        this.#settings.hasPassword = hasPassword;
        if (waitingRoom === false) {
          // Turning the waiting room off lets everyone waiting in, as Zoom and Meet do.
          const entries = [...this.#waiting.values()];
          this.#waiting.clear();
          this.#remoteWaiting.clear();
          for (const entry of entries) entry.connection.admitFromWaiting();
          if (entries.length > 0) this.#publishWaitingList();
        }
        this.#broadcastState();
        break;
      }
      case "end": {
        const waiting = [...this.#waiting.values()];
        this.#waiting.clear();
        for (const entry of waiting) entry.connection.close(CloseCode.meetingEnded, MEETING_ENDED_MESSAGE);
        for (const participant of [...room.locals()]) {
          participant.control.close(CloseCode.meetingEnded, MEETING_ENDED_MESSAGE, {
            leaveReason: LeaveReason.KICKED,
          });
        }
        break;
      }
      case "lowerHand":
        room.lowerHand(body.value.sessionId);
        break;
      case "record":
        this.#settings.recording = body.value.start;
        if (!body.value.start) void this.#options.recordings?.stop(this.#options.meetingId);
        this.#broadcastState();
        break;
      case undefined:
        break;
    }
  }

  /** The waiting joiners (here and on other nodes) among `sessionIds`, or all of them. */
  #waitingJoiners(sessionIds: readonly number[] | undefined): WaitingJoiner[] {
    const all = [
      ...[...this.#waiting.values()].map((entry) => entry.joiner),
      ...[...this.#remoteWaiting.values()].flat(),
    ];
    if (!sessionIds) return all;
    const wanted = new Set(sessionIds);
    return all.filter((joiner) => wanted.has(joiner.sessionId));
  }

  /** Drops admitted or denied joiners of other nodes from our copy, so hosts here see them go at once. */
  #forgetRemoteWaiting(sessionIds: readonly number[] | undefined): void {
    if (!sessionIds) {
      this.#remoteWaiting.clear();
      return;
    }
    const gone = new Set(sessionIds);
    for (const [nodeId, joiners] of this.#remoteWaiting) {
      const left = joiners.filter((joiner) => !gone.has(joiner.sessionId));
      if (left.length === 0) this.#remoteWaiting.delete(nodeId);
      else this.#remoteWaiting.set(nodeId, left);
    }
  }

  /** A participant of the meeting, local or remote, with its role as the protocol numbers it. */
  #participant(
    sessionId: number,
  ): { sessionId: number; identity: string; username: string; role: ParticipantRole } | undefined {
    const local = this.#options.room.local(sessionId);
    if (local) return { ...local, role: roleFromName(local.role) };
    return this.#options.room.remote(sessionId);
  }

  #waitingChanged(): void {
    this.#publishWaitingList();
    this.#sendStateToHosts();
  }

  #publishWaitingList(): void {
    this.#options.room.publish({
      type: "waiting-list",
      joiners: [...this.#waiting.values()].map((entry) => entry.joiner),
    });
  }

  #sendStateToHosts(): void {
    const hosts = [...this.#options.room.locals()].filter(canSeeWaiting);
    if (hosts.length === 0) return;
    const packet = this.#encodeState(true);
    for (const host of hosts) host.queue.push(packet, CONTROL);
  }

  #broadcastState(): void {
    // Rare (a role or setting changed): both copies are encoded whether or not both are needed.
    const forHosts = this.#encodeState(true);
    const forOthers = this.#encodeState(false);
    for (const participant of this.#options.room.locals()) {
      participant.queue.push(canSeeWaiting(participant) ? forHosts : forOthers, CONTROL);
    }
  }

  #encodeState(withWaiting: boolean): Uint8Array {
    const room = this.#options.room;
    const roles: RoleAssignment[] = [];
    for (const p of room.locals()) {
      if (p.role !== "participant") roles.push(roleAssignment(p.sessionId, roleFromName(p.role)));
    }
    for (const p of room.remotes()) {
      if (p.role !== ParticipantRole.PARTICIPANT) roles.push(roleAssignment(p.sessionId, p.role));
    }
    const state: MeetingState = create(MeetingStateSchema, {
      locked: this.#settings.locked,
      waitingRoom: this.#settings.waitingRoom,
      hasPassword: this.#settings.hasPassword,
      guestsAllowed: this.#settings.guestsAllowed,
      roles,
      waiting: withWaiting ? this.#waitingJoiners(undefined) : [],
      recording: this.#settings.recording,
    });
    return encodePacket({ body: { case: "meetingState", value: state } });
  }

  #logInBackground(
    // Every command that changes the meeting lands in its log (migration 2 widened the log's events).
    event: MeetingLogEvent,
    identity: string,
    displayName: string,
  ): void {
    const meetings = this.#options.meetings;
    if (!meetings) return;
    meetings
      .log(this.#options.meetingId, event, identity, displayName.slice(0, 64))
      .catch((error: unknown) => {
        this.#options.log?.warn(
          { meetingId: this.#options.meetingId, event, error: String(error) },
          "meeting log write failed",
        );
      });
  }
}

const CONTROL = { kind: 0, keyframe: false, fromSessionId: 0, trackId: 0 };

export function roleFromName(role: ParticipantRoleName): ParticipantRole {
  return role === "host"
    ? ParticipantRole.HOST
    : role === "cohost"
      ? ParticipantRole.COHOST
      : ParticipantRole.PARTICIPANT;
}

function roleAssignment(sessionId: number, role: ParticipantRole): RoleAssignment {
  return { $typeName: "videocall.v1.RoleAssignment", sessionId, role };
}

/** Hosts and co-hosts (and anyone with the admin grant) see the waiting list and may command. */
function canSeeWaiting(participant: LocalParticipant): boolean {
  return participant.role !== "participant" || (participant.grants & Grant.admin) !== 0;
}

function hasAuthority(issuer: LocalParticipant, kind: HostCommandKind): boolean {
  if (kind === "setRole") return issuer.role === "host";
  return canSeeWaiting(issuer);
}

function isSaneJoiner(joiner: WaitingJoiner): boolean {
  return (
    joiner.sessionId !== 0 &&
    joiner.identity.length <= MAX_IDENTITY_CHARS &&
    joiner.displayName.length <= MAX_IDENTITY_CHARS
  );
}
