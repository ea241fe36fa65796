import { joinMeeting, type MeetingSession, type TransportPreference } from "@videocall/client";
import { CliError, joinError } from "./errors.ts";

const PREFLIGHT_TIMEOUT_MS = 5000;

/**
 * Joins with the reason of a failure made plain: an HTTP request first tells "nothing listens
 * there" apart from "the server refused this meeting id or name" (both close the socket early).
 */
export async function joinAs(options: {
  serverUrl: string;
  username: string;
  meetingId: string;
  transport: TransportPreference;
  reconnect?: boolean;
  /** Skip the HTTP check, e.g. for the 2nd..Nth bot once the first has joined. */
  skipPreflight?: boolean;
}): Promise<MeetingSession> {
  if (!options.skipPreflight) await checkServerReachable(options.serverUrl);
  try {
    return await joinMeeting(options);
  } catch (error) {
    throw joinError(error, options.serverUrl);
  }
}

/** Tells "nothing listens there" apart from a refusal, before any join. */
export async function checkServerReachable(serverUrl: string): Promise<void> {
  try {
    await fetch(serverUrl, { signal: AbortSignal.timeout(PREFLIGHT_TIMEOUT_MS) }).then((r) =>
      r.body?.cancel(),
    );
  } catch (cause) {
    const why =
      cause instanceof Error
        ? cause.name === "TimeoutError"
          ? "no answer in 5 s"
          : cause.message
        : String(cause);
    throw new CliError(
      "server-unreachable",
      `cannot reach the server at ${serverUrl} (${why.split("\n")[0]}); is it running, and is --url right?`,
      { cause },
    );
  }
}
