/**
 * Why a connection ended: the WebSocket close code (RFC 6455 §7.4) or the WebTransport
 * session's closeCode, the same numbers on both transports. 4000-4999 are ours (RFC 6455
 * §7.4.2 leaves them to applications). docs/protocol.md lists each with what a client does.
 */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009,
  /** The relay hit an unexpected error handling this connection; others are unaffected. */
  internalError: 1011,
  /** The node is draining (restart, deploy): reconnect, to another node if possible. */
  serviceRestart: 1012,
  heartbeatTimeout: 4000,
  slowSubscriber: 4001,
  invalidName: 4002,
  /** Client-side only: the server stopped answering pings, so the client gave the connection up. */
  serverSilent: 4003,
  /** The meeting has as many participants as this server allows. */
  meetingFull: 4004,
  /** This node hosts as many meetings as it allows: try another node, or later. */
  serverFull: 4005,
  /** The client sent more packets or bytes per second than its budget, for too long. */
  rateLimited: 4006,
  /** Too many connections from the client's IP address. */
  tooManyConnections: 4007,
  /** The client did not complete its handshake (or say anything) in time. */
  handshakeTimeout: 4008,
  /** A WebTransport client opened more streams than the protocol uses. */
  tooManyStreams: 4009,
  /** The client offered only protocol versions the server does not speak: upgrade the client (or server). */
  unsupportedProtocolVersion: 4010,
  /** The admitter refused the join (a bad or missing credential, a ban): issue 10 gives it reasons. */
  notAdmitted: 4011,
  /** The meeting requires end-to-end encryption and this client did not offer it (Join.e2ee, `videocall.e2ee`). */
  e2eeRequired: 4050,
  // 4020..4039: admission refusals (issue 10, docs/tokens.md and docs/permissions.md).
  /** The server's database is still opening (or unreachable): the client retries by itself. */
  serverStarting: 4020,
  /** This server admits only connections with a room token, and none came. */
  tokenRequired: 4021,
  /** The room token is malformed, signed with another secret or by an unknown key. */
  tokenInvalid: 4022,
  /** The room token's `exp` has passed: get a new one. */
  tokenExpired: 4023,
  /** The room token is for another meeting than the one joined. */
  tokenWrongMeeting: 4024,
  /** A host banned this identity from the meeting. */
  banned: 4025,
  /** The meeting is locked: nobody new joins (hosts and co-hosts still do). */
  meetingLocked: 4026,
  /** The meeting has a password and none came. */
  passwordRequired: 4027,
  /** The password does not match. */
  wrongPassword: 4028,
  /** The meeting admits signed-in users only. */
  guestsNotAllowed: 4029,
  // 4040..4049: meeting control (docs/meeting-control.md).
  /** A host or co-host removed this participant from the meeting (it may rejoin). */
  kicked: 4040,
  /** A host or co-host removed this participant and banned its identity: a rejoin is refused with 4025. */
  kickedAndBanned: 4041,
  /** A host turned this joiner away from the waiting room. */
  deniedEntry: 4042,
  /** A host ended the meeting for everyone. */
  meetingEnded: 4043,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Codes after which reconnecting to the same meeting cannot help: the server refused what the client did. */
const FATAL: ReadonlySet<number> = new Set<number>([
  1002,
  CloseCode.unsupportedData,
  CloseCode.invalidPayload,
  CloseCode.policyViolation,
  CloseCode.messageTooBig,
  CloseCode.slowSubscriber,
  CloseCode.invalidName,
  CloseCode.meetingFull,
  CloseCode.rateLimited,
  CloseCode.tooManyConnections,
  CloseCode.tooManyStreams,
  CloseCode.unsupportedProtocolVersion,
  CloseCode.notAdmitted,
  CloseCode.e2eeRequired,
  CloseCode.tokenRequired,
  CloseCode.tokenInvalid,
  CloseCode.tokenExpired,
  CloseCode.tokenWrongMeeting,
  CloseCode.banned,
  CloseCode.meetingLocked,
  CloseCode.passwordRequired,
  CloseCode.wrongPassword,
  CloseCode.guestsNotAllowed,
  CloseCode.kicked,
  CloseCode.kickedAndBanned,
  CloseCode.deniedEntry,
  CloseCode.meetingEnded,
]);

export function isFatalCloseCode(code: number): boolean {
  return FATAL.has(code);
}

/** Codes meaning "this node is going away or cannot take you": try another node first. */
const NODE_UNAVAILABLE: ReadonlySet<number> = new Set<number>([
  CloseCode.goingAway,
  CloseCode.serviceRestart,
  CloseCode.serverFull,
]);

export function isNodeUnavailableCloseCode(code: number): boolean {
  return NODE_UNAVAILABLE.has(code);
}
