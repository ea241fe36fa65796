import { AccountStatus } from "../account/account-status.tsx";
import { t } from "../i18n/i18n.ts";
import { meetingPath } from "../routes.ts";

/** The landing page: pick a display name and a meeting id, then go to the meeting's URL. */
export function HomePage() {
  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const username = String(form.get("username") ?? "").trim();
    const meetingId = String(form.get("meeting") ?? "").trim();
    if (username && meetingId) location.assign(meetingPath({ username, meetingId }));
  };
  return (
    <main class="centered">
      <form class="card home" onSubmit={onSubmit}>
        <h1>{t("app.name")}</h1>
        <p class="muted">{t("home.tagline")}</p>
        <AccountStatus returnPath="/" />
        <label>
          {t("home.username")}
          <input name="username" required maxLength={40} placeholder="Ada" autofocus />
        </label>
        <label>
          {t("home.meetingId")}
          <input
            name="meeting"
            required
            maxLength={64}
            placeholder="team-sync"
            defaultValue={Math.random().toString(36).slice(2, 8)}
          />
        </label>
        <button class="primary" type="submit">
          {t("home.continue")}
        </button>
      </form>
    </main>
  );
}
