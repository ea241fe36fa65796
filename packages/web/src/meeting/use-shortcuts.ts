import { useEffect } from "preact/hooks";
import type { CallController } from "../call/call-controller.ts";
import { isInCall } from "../call/call-phase.ts";
import { isTypingTarget, type ShortcutAction, shortcutFor } from "./keyboard-shortcuts.ts";

/** Listens for the meeting's keyboard shortcuts on the document while the meeting page is up. */
export function useShortcuts(controller: CallController, showHelp: () => void): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const action = shortcutFor({
        code: event.code,
        key: event.key,
        altKey: event.altKey,
        ctrlKey: event.ctrlKey,
        metaKey: event.metaKey,
        shiftKey: event.shiftKey,
        repeat: event.repeat,
        typing: isTypingTarget(event.target),
      });
      if (action && run(controller, action, showHelp)) event.preventDefault();
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [controller, showHelp]);
}

/** Does what the toolbar's button would; false when that button is not there now (nothing done). */
function run(controller: CallController, action: ShortcutAction, showHelp: () => void): boolean {
  const phase = controller.phase.value;
  if (phase.kind === "left" || phase.kind === "waiting" || phase.kind === "failed") return false;
  switch (action) {
    case "microphone":
      if (!controller.hasMicrophone.value) return false;
      controller.setMicrophoneMuted(!controller.microphoneMuted.value);
      return true;
    case "camera":
      if (controller.cameraTrack.value === undefined) return false;
      controller.setCameraOff(!controller.cameraOff.value);
      return true;
    case "leave":
      if (!isInCall(phase)) return false;
      void controller.leave();
      return true;
    case "help":
      showHelp();
      return true;
  }
}
