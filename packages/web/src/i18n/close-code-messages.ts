/**
 * What the user is told when the server refuses or ends a connection, per close code
 * (packages/protocol/src/close-codes.ts). Codes without a message here (normal close, heartbeat,
 * restarts) are ones the session handles by itself, or gets the server's own reason text.
 */
import { CloseCode } from "@videocall/protocol";
import type { MessageKey } from "./i18n.ts";

const CLOSE_CODE_MESSAGES: ReadonlyMap<number, MessageKey> = new Map<number, MessageKey>([
  [1002, "close.protocol"],
  [CloseCode.unsupportedData, "close.protocol"],
  [CloseCode.invalidPayload, "close.protocol"],
  [CloseCode.policyViolation, "close.protocol"],
  [CloseCode.messageTooBig, "close.messageTooBig"],
  [CloseCode.internalError, "close.internalError"],
  [CloseCode.slowSubscriber, "close.slowSubscriber"],
  [CloseCode.invalidName, "close.invalidName"],
  [CloseCode.meetingFull, "close.meetingFull"],
  [CloseCode.serverFull, "close.serverFull"],
  [CloseCode.rateLimited, "close.rateLimited"],
  [CloseCode.tooManyConnections, "close.tooManyConnections"],
  [CloseCode.handshakeTimeout, "close.handshakeTimeout"],
  [CloseCode.tooManyStreams, "close.tooManyStreams"],
  [CloseCode.e2eeRequired, "close.e2eeRequired"],
  // Meeting control (4040..4043). 4025 banned and 4026 locked get their words with the admitter's codes.
  [CloseCode.kicked, "close.kicked"],
  [CloseCode.kickedAndBanned, "close.kickedAndBanned"],
  [CloseCode.deniedEntry, "close.deniedEntry"],
  [CloseCode.meetingEnded, "close.meetingEnded"],
  [CloseCode.serverStarting, "close.serverStarting"],
  [CloseCode.tokenRequired, "close.tokenRequired"],
  [CloseCode.tokenInvalid, "close.tokenInvalid"],
  [CloseCode.tokenExpired, "close.tokenExpired"],
  [CloseCode.tokenWrongMeeting, "close.tokenWrongMeeting"],
  [CloseCode.banned, "close.banned"],
  [CloseCode.meetingLocked, "close.meetingLocked"],
  [CloseCode.passwordRequired, "close.passwordRequired"],
  [CloseCode.wrongPassword, "close.wrongPassword"],
  [CloseCode.guestsNotAllowed, "close.guestsNotAllowed"],
]);

export function closeCodeMessage(code: number | undefined): MessageKey | undefined {
  return code === undefined ? undefined : CLOSE_CODE_MESSAGES.get(code);
}
