import type { CallController } from "../call/call-controller.ts";
import { t } from "../i18n/i18n.ts";

/** "A host muted your microphone": shown until the participant unmutes itself or dismisses it. */
export function HostMuteNotice({ controller }: { controller: CallController }) {
  const notice = controller.hostMuteNotice.value;
  if (!notice) return null;
  const username = notice.byUsername || t("hostMuted.someone");
  return (
    <p class="host-mute-notice" role="status" data-kind={notice.kind}>
      {t(`hostMuted.${notice.kind}`, { username })}
    </p>
  );
}
