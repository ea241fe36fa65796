import { AccountStatus } from "../account/account-status.tsx";
import { t } from "../i18n/i18n.ts";
import { LanguageSwitcher } from "../i18n/language-switcher.tsx";
import { meetingPath } from "../routes.ts";
import { parseInvite } from "./invite-link.ts";

/**
 * The landing page: pick a display name and a meeting id, then go to the meeting's URL. An invite
 * link (`/?meeting=<id>`, from "Copy link" in a meeting) fills in the meeting id.
 */
export function HomePage() {
  const invite = parseInvite(location.search);
  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const username = String(form.get("username") ?? "").trim();
    const meetingId = String(form.get("meeting") ?? "").trim();
    if (username && meetingId)
      location.assign(`${meetingPath({ username, meetingId })}${invite.e2ee ? "?e2ee=1" : ""}`);
  };
  return (
    <main class="centered">
      <form class="card home" onSubmit={onSubmit}>
        <div class="home-header">
          <h1>{t("app.name")}</h1>
          <LanguageSwitcher />
        </div>
        <p class="muted">{t("home.tagline")}</p>
        <AccountStatus returnPath="/" />
        <label>
          {t("home.username")}
          <input
            name="username"
            required
            maxLength={40}
            placeholder={t("home.usernamePlaceholder")}
            autocomplete="nickname"
            autofocus
          />
        </label>
        <label>
          {t("home.meetingId")}
          <input
            name="meeting"
            required
            maxLength={64}
            placeholder={t("home.meetingIdPlaceholder")}
            defaultValue={invite.meetingId ?? Math.random().toString(36).slice(2, 8)}
          />
        </label>
        <button class="primary" type="submit">
          {t("home.continue")}
        </button>
      </form>
    </main>
  );
}
