import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n/i18n.ts";
import { SHORTCUTS } from "./keyboard-shortcuts.ts";

/** The list of keyboard shortcuts, in a modal `<dialog>` (it traps focus, and Escape closes it). */
export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);
  return (
    <dialog ref={dialog} class="shortcuts-dialog card" aria-labelledby="shortcuts-title" onClose={onClose}>
      <h2 id="shortcuts-title">{t("shortcuts.title")}</h2>
      <dl>
        {SHORTCUTS.map((shortcut) => (
          <div key={shortcut.action} class="shortcut">
            <dt>
              <kbd dir="ltr">{shortcut.keys}</kbd>
              {shortcut.alsoKeys && (
                <>
                  {" · "}
                  <kbd dir="ltr">{shortcut.alsoKeys}</kbd>
                </>
              )}
            </dt>
            <dd>{t(shortcut.label)}</dd>
          </div>
        ))}
      </dl>
      <button type="button" onClick={onClose}>
        {t("shortcuts.close")}
      </button>
    </dialog>
  );
}
