import type { DeviceKind } from "@videocall/client/media";
import { VIDEO_CODECS, type VideoCodecChoice } from "@videocall/client/media";
import type { CallController } from "../call/call-controller.ts";
import { t } from "../i18n/i18n.ts";
import { AudioProcessingToggles } from "./audio-processing-toggles.tsx";

const CODECS = Object.keys(VIDEO_CODECS) as VideoCodecChoice[];

/** Microphone, camera and video codec; a change takes effect at once, in the call too. */
export function DevicePickers({ controller }: { controller: CallController }) {
  return (
    <div class="devices">
      <DeviceSelect controller={controller} device="microphone" />
      <DeviceSelect controller={controller} device="camera" />
      <label>
        {t("devices.codec")}
        <select
          aria-label={t("devices.codecLabel")}
          value={controller.codec.value}
          onChange={(event) => void controller.setCodec(event.currentTarget.value as VideoCodecChoice)}
        >
          {CODECS.filter((codec) => encodes(controller, codec)).map((codec) => (
            <option key={codec} value={codec}>
              {t(`codec.${codec}`)}
            </option>
          ))}
        </select>
      </label>
      <AudioProcessingToggles controller={controller} />
    </div>
  );
}

/** AV1 (and any codec) only where this browser encodes it in real time; before the probe, all but AV1. */
function encodes(controller: CallController, codec: VideoCodecChoice): boolean {
  const support = controller.videoCodecs.value;
  if (!support) return codec !== "av1";
  return support.encoders.length === 0 || support.encoders.includes(codec);
}

function DeviceSelect({ controller, device }: { controller: CallController; device: DeviceKind }) {
  const choices = controller.devices.value[device];
  const label = t(`devices.${device}`);
  return (
    <label>
      {label}
      <select
        aria-label={label}
        disabled={choices.length === 0}
        // No device open (denied, failed): show the first choice, as a select does by itself.
        value={controller.selectedDevices.value[device] ?? choices[0]?.deviceId ?? ""}
        onChange={(event) => void controller.selectDevice(device, event.currentTarget.value)}
      >
        {choices.length === 0 ? (
          <option value="">{t("devices.noneAvailable")}</option>
        ) : (
          choices.map((choice) => (
            <option key={choice.deviceId} value={choice.deviceId}>
              {choice.label}
            </option>
          ))
        )}
      </select>
    </label>
  );
}
