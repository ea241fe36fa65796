import type { CallPhase } from "../call/call-phase.ts";
import { failureMessage } from "../call/failure-message.ts";
import { closeCodeMessage } from "../i18n/close-code-messages.ts";
import { t, translate } from "../i18n/i18n.ts";

/**
 * While reconnecting: a banner with the attempt and why the connection dropped. After a failure
 * that a new attempt may fix (unreachable, server busy): an alert; Join stays offered.
 */
export function StatusBanner({ phase }: { phase: CallPhase }) {
  if (phase.kind === "reconnecting") {
    const known = closeCodeMessage(phase.closeCode);
    return (
      <p class="reconnect-banner" role="status" title={phase.reason}>
        {t("banner.reconnecting", { attempt: phase.attempt })}
        <span class="banner-detail">{known ? translate({ key: known }) : phase.reason}</span>
      </p>
    );
  }
  if (phase.kind === "failed") {
    return (
      <p class="error" role="alert" data-close-code={phase.failure.closeCode}>
        {translate(failureMessage(phase.failure))}
      </p>
    );
  }
  return null;
}
