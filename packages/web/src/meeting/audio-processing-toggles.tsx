import type { AudioProcessing } from "@videocall/client/media";
import type { CallController } from "../call/call-controller.ts";
import { t } from "../i18n/i18n.ts";

const TOGGLES = [
  ["echoCancellation", "audio.echoCancellation"],
  ["noiseSuppression", "audio.noiseSuppression"],
  ["autoGainControl", "audio.autoGainControl"],
] as const satisfies ReadonlyArray<readonly [keyof AudioProcessing, string]>;

/** The browser's microphone processing, each on or off; a change applies at once, in the call too. */
export function AudioProcessingToggles({ controller }: { controller: CallController }) {
  const processing = controller.audioProcessing.value;
  return (
    <fieldset class="audio-processing">
      <legend>{t("audio.processing")}</legend>
      {TOGGLES.map(([key, label]) => (
        <label key={key}>
          <input
            type="checkbox"
            name={key}
            checked={processing[key]}
            onChange={(event) =>
              void controller.setAudioProcessing({ [key]: (event.target as HTMLInputElement).checked })
            }
          />
          {t(label)}
        </label>
      ))}
    </fieldset>
  );
}
