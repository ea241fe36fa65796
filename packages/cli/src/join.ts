import {
  type Codec,
  type E2eeOptions,
  type FrameTransformSpec,
  joinMeeting,
  type MeetingSession,
  specFor,
  type TransportPreference,
} from "@videocall/client";
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
  /** End-to-end encryption (`--e2ee-passphrase`); ready (passphrase key derived) when this resolves. */
  e2ee?: E2eeOptions;
  token?: string;
  password?: string;
  /** The video codecs this command can take (codec negotiation: publishers send one of them). */
  videoDecoders?: readonly Codec[];
}): Promise<MeetingSession> {
  if (!options.skipPreflight) await checkServerReachable(options.serverUrl);
  try {
    const session = await joinMeeting(options);
    await session.e2ee?.ready;
    return session;
  } catch (error) {
    throw joinError(error, options.serverUrl);
  }
}

/**
 * `--e2ee-passphrase`: passphrase mode (docs/e2ee.md); `--e2ee`: key exchange with the others (a
 * fresh identity per run: the CLI keeps none, so its safety number changes every time).
 */
export function cliE2ee(passphrase: string | undefined, exchange = false): { e2ee?: E2eeOptions } {
  if (passphrase !== undefined) return { e2ee: { mode: "passphrase", passphrase } };
  return exchange ? { e2ee: { mode: "exchange" } } : {};
}

/** The transform every frame goes through: the session's SFrame one when it encrypts, else `--frame-transform`. */
export function sessionFrameTransform(
  session: MeetingSession,
  frameTransform: FrameTransformSpec | undefined,
): FrameTransformSpec | undefined {
  return session.e2ee ? specFor(session.e2ee.frameTransform).spec : frameTransform;
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
