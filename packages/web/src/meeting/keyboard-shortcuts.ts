/**
 * Keyboard shortcuts of the meeting page, after what people know: M and V toggle microphone and
 * camera (Jitsi), Ctrl/⌘+D and Ctrl/⌘+E too (Google Meet), Alt+Q leaves (Zoom), ? lists them.
 * Keys are matched by physical position (`code`), so they work on an Arabic keyboard layout too,
 * and never while the user types in a field.
 */
import type { MessageKey } from "../i18n/i18n.ts";

export type ShortcutAction = "microphone" | "camera" | "leave" | "help";

export interface Shortcut {
  action: ShortcutAction;
  /** As shown to the user and in `aria-keyshortcuts` (the ARIA syntax). */
  keys: string;
  /** The same action's other keys (Google Meet's), shown in the help. */
  alsoKeys?: string;
  label: Extract<MessageKey, "shortcuts.mute" | "shortcuts.camera" | "shortcuts.leave" | "shortcuts.help">;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { action: "microphone", keys: "M", alsoKeys: "Control+D", label: "shortcuts.mute" },
  { action: "camera", keys: "V", alsoKeys: "Control+E", label: "shortcuts.camera" },
  { action: "leave", keys: "Alt+Q", label: "shortcuts.leave" },
  { action: "help", keys: "?", label: "shortcuts.help" },
];

export function shortcutKeys(action: ShortcutAction): string {
  return SHORTCUTS.find((shortcut) => shortcut.action === action)?.keys ?? "";
}

/** The parts of a KeyboardEvent that decide; `typing` is true when the focus is in a text field. */
export interface KeyPress {
  code: string;
  key: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  repeat: boolean;
  typing: boolean;
}

export function shortcutFor(press: KeyPress): ShortcutAction | undefined {
  if (press.typing || press.repeat) return undefined;
  const command = press.ctrlKey || press.metaKey;
  if (command && !press.altKey && !press.shiftKey) {
    if (press.code === "KeyD") return "microphone";
    if (press.code === "KeyE") return "camera";
    return undefined;
  }
  if (command) return undefined;
  if (press.altKey) return !press.shiftKey && press.code === "KeyQ" ? "leave" : undefined;
  if (press.key === "?" || press.key === "؟" || (press.shiftKey && press.code === "Slash")) return "help";
  if (press.shiftKey) return undefined;
  if (press.code === "KeyM") return "microphone";
  if (press.code === "KeyV") return "camera";
  return undefined;
}

/** Text fields, selects and editable content keep their keys. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (!(target instanceof HTMLInputElement)) return false;
  return !["checkbox", "radio", "button", "submit", "reset", "range", "color"].includes(target.type);
}
