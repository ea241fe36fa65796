import { ALLOWED_REACTIONS } from "@videocall/protocol";
import { useState } from "preact/hooks";
import type { CallController } from "../call/call-controller.ts";
import { t } from "../i18n/i18n.ts";

/** The toolbar's reactions picker (the allowed emoji) and the raise/lower hand button. */
export function ReactionControls({ controller }: { controller: CallController }) {
  const [open, setOpen] = useState(false);
  const reactions = controller.reactions;
  const handRaised = reactions.handRaised.value;
  return (
    <div class="reaction-controls">
      <button
        type="button"
        class={`toggle${open ? " active" : ""}`}
        aria-expanded={open}
        aria-controls="reaction-picker"
        onClick={() => setOpen(!open)}
      >
        {t("reactions.react")}
      </button>
      {open && (
        <fieldset id="reaction-picker" class="reaction-picker" aria-label={t("reactions.picker")}>
          {ALLOWED_REACTIONS.map((emoji) => (
            <button
              key={emoji}
              type="button"
              class="reaction-choice"
              aria-label={t("reactions.send", { emoji })}
              onClick={() => reactions.react(emoji)}
            >
              {emoji}
            </button>
          ))}
        </fieldset>
      )}
      <button
        type="button"
        class={`toggle hand-toggle${handRaised ? " active" : ""}`}
        aria-pressed={handRaised}
        onClick={() => reactions.setHandRaised(!handRaised)}
      >
        {handRaised ? t("reactions.lowerHand") : t("reactions.raiseHand")}
      </button>
    </div>
  );
}
