import { AccountStatus } from "../account/account-status.tsx";
import type { CallController } from "../call/call-controller.ts";
import { isInCall } from "../call/call-phase.ts";
import { t } from "../i18n/i18n.ts";
import { LanguageSwitcher } from "../i18n/language-switcher.tsx";
import { CopyLinkButton } from "./copy-link-button.tsx";

/**
 * Brand, meeting id, the call's phase, in the call the transport in use, copy the invite link,
 * the language, the keyboard shortcuts, and who is signed in.
 */
export function TopBar({
  controller,
  onShowShortcuts,
}: {
  controller: CallController;
  onShowShortcuts: () => void;
}) {
  const phase = controller.phase.value;
  const encrypted = controller.security.value?.encrypted === true;
  return (
    <header class="topbar">
      <span class="brand">{t("app.name")}</span>
      <span class="meeting-id" title={t("meeting.idLabel")}>
        {controller.route.meetingId}
      </span>
      <span class="pill" data-state={phase.kind}>
        {t(`phase.${phase.kind}`)}
      </span>
      {isInCall(phase) && (
        <span class="transport-badge" title={t("meeting.transportLabel")} data-transport={phase.transport}>
          {t(`transport.${phase.transport}`)}
        </span>
      )}
      {isInCall(phase) && encrypted && (
        <span class="e2ee-lock" data-e2ee="on" title={t("e2ee.lockTitle")}>
          🔒 {t("e2ee.lock")}
        </span>
      )}
      <CopyLinkButton meetingId={controller.route.meetingId} e2ee={controller.e2eeWanted.value} />
      <button
        type="button"
        class="shortcuts-button"
        aria-label={t("shortcuts.open")}
        title={t("shortcuts.open")}
        aria-keyshortcuts="Shift+?"
        onClick={onShowShortcuts}
      >
        <span aria-hidden="true">⌨</span>
      </button>
      <LanguageSwitcher />
      <AccountStatus returnPath={`${location.pathname}${location.search}`} />
    </header>
  );
}
