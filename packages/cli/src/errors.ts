import { ConnectionError } from "@videocall/client";

/** Why a command failed; each is something the person running it can act on. */
export type CliErrorReason =
  | "bad-flags"
  | "ffmpeg-missing"
  | "unknown-device"
  | "unsupported-format"
  | "server-unreachable"
  | "rejected"
  | "media-failed"
  | "no-media"
  | "disconnected";

/** Exit code per reason: 2 for a wrong command line (as commander does for flags), 1 otherwise. */
const EXIT_CODES: Record<CliErrorReason, number> = {
  "bad-flags": 2,
  "ffmpeg-missing": 1,
  "unknown-device": 1,
  "unsupported-format": 1,
  "server-unreachable": 1,
  rejected: 1,
  "media-failed": 1,
  "no-media": 1,
  disconnected: 1,
};

export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    readonly reason: CliErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get exitCode(): number {
    return EXIT_CODES[this.reason];
  }
}

/** Turns a failure to join into one line: unreachable server, refused join (with the server's reason)… */
export function joinError(error: unknown, serverUrl: string): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof ConnectionError) {
    switch (error.reason) {
      case "rejected":
        return new CliError(
          "rejected",
          `the server refused the join: ${error.message}${error.closeCode ? ` (code ${error.closeCode})` : ""}`,
          { cause: error },
        );
      case "server-unreachable":
      case "timeout":
        return new CliError(
          "server-unreachable",
          `cannot reach the server at ${serverUrl} (${error.message}); is it running, and is --url right?`,
          { cause: error },
        );
      default:
        return new CliError("disconnected", `cannot join: ${error.message}`, { cause: error });
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError("server-unreachable", `cannot reach the server at ${serverUrl}: ${message}`, {
    cause: error,
  });
}
