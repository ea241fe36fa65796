import { CloseCode } from "@videocall/protocol";
import { passwordStorageKey } from "../call/call.ts";
import type { CallFailure } from "../call/call-phase.ts";
import { failureMessage } from "../call/failure-message.ts";
import { t, translate } from "../i18n/i18n.ts";

/**
 * The server refused this client (meeting full, sending too fast, a name it does not accept…):
 * reconnecting cannot help, so the page says why instead of showing the call.
 */
export function RefusalPage({ failure, meetingId }: { failure: CallFailure; meetingId: string }) {
  return (
    <main class="centered">
      <section class="card refusal" role="alert" data-close-code={failure.closeCode}>
        <h1>{failure.during === "join" ? t("refusal.titleJoin") : t("refusal.titleCall")}</h1>
        <p class="refusal-message">{translate(failureMessage(failure))}</p>
        {failure.detail && <p class="muted">{t("refusal.detail", { detail: failure.detail })}</p>}
        <p class="muted">{t("refusal.meeting", { meetingId })}</p>
        {(failure.closeCode === CloseCode.passwordRequired ||
          failure.closeCode === CloseCode.wrongPassword) && <PasswordForm meetingId={meetingId} />}
        <div class="actions">
          <button class="primary" type="button" onClick={() => location.reload()}>
            {t("refusal.tryAgain")}
          </button>
          <a href="/">{t("refusal.home")}</a>
        </div>
      </section>
    </main>
  );
}

/** The meeting wants a password: kept for this tab only (sessionStorage), then the page joins again. */
function PasswordForm({ meetingId }: { meetingId: string }) {
  return (
    <form
      class="password-form"
      onSubmit={(event) => {
        event.preventDefault();
        const input = (event.currentTarget as HTMLFormElement).elements.namedItem("password");
        sessionStorage.setItem(passwordStorageKey(meetingId), (input as HTMLInputElement).value);
        location.reload();
      }}
    >
      <label>
        {t("refusal.password")}
        <input name="password" type="password" autocomplete="current-password" required />
      </label>
      <button class="primary" type="submit">
        {t("refusal.passwordSubmit")}
      </button>
    </form>
  );
}
