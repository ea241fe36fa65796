import { useCallback, useEffect, useState } from "preact/hooks";
import type { CallController } from "../call/call-controller.ts";
import { isInCall } from "../call/call-phase.ts";
import { t } from "../i18n/i18n.ts";
import { ChatPanel } from "./chat-panel.tsx";
import { DiagnosticsPanel } from "./diagnostics-panel.tsx";
import { HostMuteNotice } from "./host-mute-notice.tsx";
import { LeftCard } from "./left-card.tsx";
import { MediaWarnings } from "./media-warnings.tsx";
import { MeetingSettings } from "./meeting-settings.tsx";
import { MutedSpeakingHint } from "./muted-speaking-hint.tsx";
import { ParticipantsPanel } from "./participants-panel.tsx";
import { RecordingIndicator } from "./recording-indicator.tsx";
import { RecordingPanel } from "./recording-panel.tsx";
import { RefusalPage } from "./refusal-page.tsx";
import { SecurityPanel } from "./security-panel.tsx";
import { ShortcutsDialog } from "./shortcuts-dialog.tsx";
import { StatusBanner } from "./status-banner.tsx";
import { TileGrid } from "./tile-grid.tsx";
import { Toolbar } from "./toolbar.tsx";
import { TopBar } from "./top-bar.tsx";
import { useShortcuts } from "./use-shortcuts.ts";
import { WaitingCard } from "./waiting-card.tsx";

/**
 * The meeting page: the device preview, then the call. A view of `controller`: each part reads
 * the signals it shows, and the buttons call the controller.
 */
export function MeetingPage({ controller }: { controller: CallController }) {
  const phase = controller.phase.value;
  const title = t("meeting.documentTitle", { meetingId: controller.route.meetingId });
  useEffect(() => {
    document.title = title;
  }, [title]);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const showShortcuts = useCallback(() => setShortcutsOpen(true), []);
  useShortcuts(controller, showShortcuts);

  if (phase.kind === "failed" && phase.failure.fatal) {
    return <RefusalPage failure={phase.failure} meetingId={controller.route.meetingId} />;
  }
  return (
    <div class="meeting" data-phase={phase.kind}>
      <TopBar controller={controller} onShowShortcuts={showShortcuts} />
      <StatusBanner phase={phase} />
      <RecordingIndicator controller={controller} />
      <MediaWarnings warnings={controller.warnings} />
      <HostMuteNotice controller={controller} />
      <MutedSpeakingHint controller={controller} />
      <div class="stage">
        {phase.kind === "left" ? (
          <LeftCard controller={controller} />
        ) : phase.kind === "waiting" ? (
          <WaitingCard controller={controller} />
        ) : (
          <>
            <TileGrid controller={controller} />
            <SecurityPanel controller={controller} />
            {isInCall(phase) && (
              <div class="side-panels">
                {controller.chat.open.value && <ChatPanel controller={controller} />}
                <ParticipantsPanel controller={controller} />
                <MeetingSettings controller={controller} />
                <RecordingPanel controller={controller} />
              </div>
            )}
            <DiagnosticsPanel snapshot={controller.diagnostics} />
          </>
        )}
      </div>
      {phase.kind !== "left" && phase.kind !== "waiting" && <Toolbar controller={controller} />}
      <ShortcutsDialog open={shortcutsOpen} onClose={() => setShortcutsOpen(false)} />
    </div>
  );
}
