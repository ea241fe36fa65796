import type { CallController } from "../call/call-controller.ts";
import { t } from "../i18n/i18n.ts";

/** Held in the waiting room: nothing of the meeting is shown (the server sends none of it) until a host decides. */
export function WaitingCard({ controller }: { controller: CallController }) {
  return (
    <div class="card waiting-card" role="status">
      <h2>{t("waiting.title")}</h2>
      <p class="muted">{t("waiting.body", { meetingId: controller.route.meetingId })}</p>
      <button type="button" onClick={() => void controller.leave()}>
        {t("waiting.leave")}
      </button>
    </div>
  );
}
