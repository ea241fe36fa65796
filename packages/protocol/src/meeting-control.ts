import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  type HostCommand,
  type HostCommandSchema,
  MediaKind,
  ParticipantRole,
} from "./gen/videocall/v1/packet_pb.ts";

/** Most session ids one admit or deny may name (a bigger waiting room is admitted with `all`). */
export const MAX_COMMAND_SESSION_IDS = 256;
/** Longest kick reason shown to the kicked participant. */
export const MAX_KICK_REASON_CHARS = 200;
/** Meeting passwords: 1..128 characters ("" removes the password). */
export const MAX_PASSWORD_CHARS = 128;

/** A host command as code writes it: `{ case: "kick", value: { sessionId, ban: true } }`. */
export type HostCommandInit = NonNullable<MessageInitShape<typeof HostCommandSchema>["command"]>;

/** The host command's kind, as the meeting log and the metrics name it. */
export type HostCommandKind = NonNullable<HostCommand["command"]["case"]>;

/**
 * Why a decoded HostCommand cannot be carried out, or undefined when it is well formed. Checked by the relay
 * (a bad one is refused with a HostCommandResult, never fatal) and by the client library before sending.
 */
export function hostCommandProblem(command: HostCommand): string | undefined {
  const body = command.command;
  switch (body.case) {
    case undefined:
      return "empty host command";
    case "admit":
    case "deny":
      if (body.value.all && body.value.sessionIds.length > 0) return "`all` takes no session ids";
      if (!body.value.all && body.value.sessionIds.length === 0) return "no session ids";
      if (body.value.sessionIds.length > MAX_COMMAND_SESSION_IDS)
        return `at most ${MAX_COMMAND_SESSION_IDS} session ids`;
      return undefined;
    case "kick":
      if (body.value.sessionId === 0) return "no session id";
      if (body.value.reason.length > MAX_KICK_REASON_CHARS)
        return `a kick reason has at most ${MAX_KICK_REASON_CHARS} characters`;
      return undefined;
    case "mute":
      if (body.value.sessionId === 0) return "no session id";
      if (
        body.value.kind !== MediaKind.AUDIO &&
        body.value.kind !== MediaKind.VIDEO &&
        body.value.kind !== MediaKind.SCREEN
      )
        return "mute needs a track kind: audio, video or screen";
      return undefined;
    case "setRole":
      if (body.value.sessionId === 0) return "no session id";
      if (body.value.role !== ParticipantRole.COHOST && body.value.role !== ParticipantRole.PARTICIPANT)
        return "a role change makes a co-host or a participant";
      return undefined;
    case "settings": {
      const { password } = body.value;
      if (password !== undefined && password.length > MAX_PASSWORD_CHARS)
        return `a password has at most ${MAX_PASSWORD_CHARS} characters`;
      return undefined;
    }
    case "end":
      return undefined;
    case "lowerHand":
      return body.value.sessionId === 0 ? "no session id" : undefined;
    case "record":
      return undefined;
  }
}
