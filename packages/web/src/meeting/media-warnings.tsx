import type { ReadonlySignal } from "@preact/signals";
import type { MediaWarning } from "../call/call-controller.ts";
import { translate } from "../i18n/i18n.ts";

/** Why a camera or microphone is missing (the call works without it), and playback or encoder trouble. */
export function MediaWarnings({ warnings }: { warnings: ReadonlySignal<readonly MediaWarning[]> }) {
  return (
    <div class="warnings" role="status">
      {warnings.value.map((warning) => (
        <p
          key={`${warning.key}:${JSON.stringify(warning.params)}`}
          class="warning"
          data-testid={
            warning.source === "device"
              ? "media-warning"
              : warning.source === "browser"
                ? "browser-warning"
                : undefined
          }
        >
          {translate(warning)}
        </p>
      ))}
    </div>
  );
}
