import type { CallController } from "../call/call-controller.ts";
import { isInCall } from "../call/call-phase.ts";
import { t } from "../i18n/i18n.ts";
import { DevicePickers } from "./device-pickers.tsx";

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
          onClick={() => controller.setMicrophoneMuted(!muted)}
        >
          {muted ? t("toolbar.unmute") : t("toolbar.mute")}
        </button>
        <button
          class={`toggle${cameraOff ? " active" : ""}`}
          type="button"
          disabled={controller.cameraTrack.value === undefined}
          onClick={() => controller.setCameraOff(!cameraOff)}
        >
          {cameraOff ? t("toolbar.cameraOn") : t("toolbar.cameraOff")}
        </button>
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
          <button class="danger" type="button" onClick={() => void controller.leave()}>
            {t("toolbar.leave")}
          </button>
        )}
      </div>
    </nav>
  );
}
