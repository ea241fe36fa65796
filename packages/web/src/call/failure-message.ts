import { closeCodeMessage } from "../i18n/close-code-messages.ts";
import type { Message } from "../i18n/i18n.ts";
import type { CallFailure } from "./call-phase.ts";

/** What the user reads about a failure: the message for its close code, else the reason in the server's words. */
export function failureMessage(failure: CallFailure): Message {
  const key = closeCodeMessage(failure.closeCode);
  if (key) return { key };
  return {
    key: failure.during === "join" ? "failure.couldNotJoin" : "failure.disconnected",
    params: { detail: failure.detail || `code ${failure.closeCode ?? "?"}` },
  };
}
