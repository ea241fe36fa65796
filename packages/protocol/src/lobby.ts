import { isValidName } from "./limits.ts";

/** The path a client joins a meeting at, on both transports: `/lobby/<username>/<meetingId>`. */
export function lobbyPath(username: string, meetingId: string): string {
  return `/lobby/${encodeURIComponent(username)}/${encodeURIComponent(meetingId)}`;
}

const LOBBY_PATH = /^\/lobby\/([^/]+)\/([^/]+)\/?$/;

export type LobbyPath =
  | { kind: "lobby"; username: string; meetingId: string }
  /** A lobby path whose names fail validation (or whose escapes are malformed). */
  | { kind: "invalid-name"; username: string; meetingId: string }
  | { kind: "not-lobby" };

/** Parses a request path from an untrusted client; never throws. */
export function parseLobbyPath(pathname: string): LobbyPath {
  const match = LOBBY_PATH.exec(pathname);
  if (!match) return { kind: "not-lobby" };
  const username = decodeSegment(match[1]!);
  const meetingId = decodeSegment(match[2]!);
  if (
    username === undefined ||
    meetingId === undefined ||
    !isValidName(username) ||
    !isValidName(meetingId)
  ) {
    return { kind: "invalid-name", username: username ?? match[1]!, meetingId: meetingId ?? match[2]! };
  }
  return { kind: "lobby", username, meetingId };
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined; // a malformed percent-escape
  }
}

/** Longest display name (characters) a participant may have: the lobby path's username or a token's name. */
export const MAX_DISPLAY_NAME_LENGTH = 64;

/** A display name others can see: 1-64 characters, not only spaces, no control characters. */
export function isValidDisplayName(name: unknown): name is string {
  return (
    typeof name === "string" &&
    name.trim().length > 0 &&
    [...name].length <= MAX_DISPLAY_NAME_LENGTH &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
    !/[\u0000-\u001f\u007f]/.test(name)
  );
}
