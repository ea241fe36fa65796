import type { CallController } from "../call/call-controller.ts";
import { t } from "../i18n/i18n.ts";

/**
 * "You are muted": shown while the muted user seems to be talking. Text only: the toolbar's Unmute
 * is the one button for it (a second one would make "Unmute" ambiguous for keyboard and tests).
 */
export function MutedSpeakingHint({ controller }: { controller: CallController }) {
  if (!controller.mutedSpeaking.value || !controller.microphoneMuted.value) return null;
  return (
    <div class="muted-speaking-hint" role="status">
      {t("audio.mutedSpeaking")}
    </div>
  );
}
