import { useState } from "preact/hooks";
import type { CallController } from "../call/call-controller.ts";
import { t } from "../i18n/i18n.ts";

/** For hosts and co-hosts: lock, waiting room, password, and ending the meeting for everyone. */
export function MeetingSettings({ controller }: { controller: CallController }) {
  const [password, setPassword] = useState("");
  if (!controller.isHost.value) return null;
  const state = controller.meetingState.value;
  return (
    <details class="card meeting-settings">
      <summary>{t("settings.title")}</summary>
      <label>
        <input
          type="checkbox"
          name="locked"
          checked={state.locked}
          onChange={(event) => void controller.changeSettings({ locked: event.currentTarget.checked })}
        />
        {t("settings.locked")}
      </label>
      <label>
        <input
          type="checkbox"
          name="waitingRoom"
          checked={state.waitingRoom}
          onChange={(event) => void controller.changeSettings({ waitingRoom: event.currentTarget.checked })}
        />
        {t("settings.waitingRoom")}
      </label>
      <p class="muted">{state.hasPassword ? t("settings.hasPassword") : t("settings.noPassword")}</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (password === "") return;
          void controller.changeSettings({ password });
          setPassword("");
        }}
      >
        <input
          type="password"
          aria-label={t("settings.password")}
          placeholder={t("settings.passwordPlaceholder")}
          value={password}
          maxLength={128}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
        <button type="submit">{t("settings.setPassword")}</button>
        {state.hasPassword && (
          <button type="button" onClick={() => void controller.changeSettings({ password: "" })}>
            {t("settings.removePassword")}
          </button>
        )}
      </form>
      <button type="button" class="danger" onClick={() => void controller.endMeeting()}>
        {t("settings.end")}
      </button>
    </details>
  );
}
