import { t } from "../i18n/i18n.ts";

export function LeftCard({ meetingId }: { meetingId: string }) {
  return (
    <div class="card left-card">
      <h2>{t("left.title")}</h2>
      <p class="muted">{t("left.meeting", { meetingId })}</p>
      <button class="primary" type="button" onClick={() => location.reload()}>
        {t("left.rejoin")}
      </button>
    </div>
  );
}
