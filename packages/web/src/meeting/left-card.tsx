import type { CallController } from "../call/call-controller.ts";
import { t } from "../i18n/i18n.ts";

/** After leaving; Rejoin returns to the preview in this page (no reload). */
export function LeftCard({ controller }: { controller: CallController }) {
  const meetingId = controller.route.meetingId;
  return (
    <div class="card left-card">
      <h2>{t("left.title")}</h2>
      <p class="muted">{t("left.meeting", { meetingId })}</p>
      <button class="primary" type="button" onClick={() => void controller.rejoin()}>
        {t("left.rejoin")}
      </button>
    </div>
  );
}
