import type { CallController } from "../call/call-controller.ts";
import { isInCall } from "../call/call-phase.ts";
import { t } from "../i18n/i18n.ts";
import { DevicePickers } from "./device-pickers.tsx";
import { shortcutKeys } from "./keyboard-shortcuts.ts";
import { ReactionControls } from "./reaction-controls.tsx";

/** The button's tooltip names its action and its shortcut. */
function hint(action: string, keys: string): string {
  return t("shortcuts.hint", { action, keys });
}

/** Device pickers, and mute, camera, join and leave. */
export function Toolbar({ controller }: { controller: CallController }) {
  const phase = controller.phase.value;
  const muted = controller.microphoneMuted.value;
  const cameraOff = controller.cameraOff.value;
  const inCall = isInCall(phase);
  const speakerView = controller.speakerView.value;
  return (
    <nav class="toolbar" aria-label={t("meeting.controls")}>
      <DevicePickers controller={controller} />
      <div class="actions">
        <button
          class={`toggle${muted ? " active" : ""}`}
          type="button"
          disabled={!controller.hasMicrophone.value}
          aria-keyshortcuts={shortcutKeys("microphone")}
          title={hint(muted ? t("toolbar.unmute") : t("toolbar.mute"), shortcutKeys("microphone"))}
          onClick={() => controller.setMicrophoneMuted(!muted)}
        >
          {muted ? t("toolbar.unmute") : t("toolbar.mute")}
        </button>
        <button
          class={`toggle${cameraOff ? " active" : ""}`}
          type="button"
          disabled={controller.cameraTrack.value === undefined}
          aria-keyshortcuts={shortcutKeys("camera")}
          title={hint(cameraOff ? t("toolbar.cameraOn") : t("toolbar.cameraOff"), shortcutKeys("camera"))}
          onClick={() => controller.setCameraOff(!cameraOff)}
        >
          {cameraOff ? t("toolbar.cameraOn") : t("toolbar.cameraOff")}
        </button>
        {inCall && <ScreenShareToggle controller={controller} />}
        {inCall && <ReactionControls controller={controller} />}
        {inCall && (
          <button
            class={`toggle${speakerView ? " active" : ""}`}
            type="button"
            aria-pressed={speakerView}
            onClick={() => controller.setSpeakerView(!speakerView)}
          >
            {speakerView ? t("toolbar.gridView") : t("toolbar.speakerView")}
          </button>
        )}
        {inCall && <ChatToggle controller={controller} />}
        {!inCall && (
          <label class="e2ee-toggle">
            <input
              type="checkbox"
              name="e2ee"
              checked={controller.e2eeWanted.value}
              onChange={(event) => controller.setE2ee((event.target as HTMLInputElement).checked)}
            />
            {t("e2ee.toggle")}
          </label>
        )}
        {!inCall && (
          <button
            class="primary"
            type="button"
            disabled={!controller.canJoin.value}
            onClick={() => void controller.join()}
          >
            {t("toolbar.join")}
          </button>
        )}
        {inCall && (
          <button
            class="danger"
            type="button"
            aria-keyshortcuts={shortcutKeys("leave")}
            title={hint(t("toolbar.leave"), shortcutKeys("leave"))}
            onClick={() => void controller.leave()}
          >
            {t("toolbar.leave")}
          </button>
        )}
      </div>
    </nav>
  );
}

/** Opens and closes the chat panel; the badge counts messages that came while it was closed. */
function ChatToggle({ controller }: { controller: CallController }) {
  const open = controller.chat.open.value;
  const unread = controller.chat.unread.value;
  return (
    <button
      class={`toggle chat-toggle${open ? " active" : ""}`}
      type="button"
      aria-pressed={open}
      // Only while the panel exists: axe refuses an aria-controls naming no element.
      aria-controls={open ? "chat-panel" : undefined}
      aria-label={unread > 0 ? t("chat.toggleWithUnread", { count: unread }) : undefined}
      onClick={() => controller.chat.setOpen(!open)}
    >
      {t("chat.toggle")}
      {unread > 0 && (
        <span class="badge unread-badge" data-unread={unread}>
          {unread}
        </span>
      )}
    </button>
  );
}

/** Starts and stops our screen share; disabled (saying why) without the screen grant. */
function ScreenShareToggle({ controller }: { controller: CallController }) {
  const sharing = controller.screenSharing.value;
  const allowed = controller.canShareScreen.value;
  return (
    <button
      class={`toggle screen-share${sharing ? " active" : ""}`}
      type="button"
      aria-pressed={sharing}
      disabled={!allowed && !sharing}
      title={allowed ? undefined : t("screen.notAllowed")}
      onClick={() => (sharing ? controller.stopScreenShare() : void controller.startScreenShare())}
    >
      {sharing ? t("screen.stop") : t("screen.share")}
    </button>
  );
}
