import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { inviteLink } from "../home/invite-link.ts";
import { type Message, t, translate } from "../i18n/i18n.ts";

/** How long "copied" stays up: long enough to read, short enough not to linger over the call. */
const TOAST_MS = 3000;

/** Copies the meeting's invite link with the Clipboard API and says so in a toast (a live region). */
export function CopyLinkButton({ meetingId, e2ee }: { meetingId: string; e2ee: boolean }) {
  const toast = useSignal<Message | undefined>(undefined);
  useEffect(() => {
    if (!toast.value) return;
    const timer = setTimeout(() => {
      toast.value = undefined;
    }, TOAST_MS);
    return () => clearTimeout(timer);
  }, [toast.value]);
  const copy = async () => {
    const link = inviteLink(location.origin, meetingId, e2ee);
    try {
      await navigator.clipboard.writeText(link);
      toast.value = { key: "link.copied" };
    } catch {
      // No clipboard (insecure origin, permission refused): show the link so it can be copied by hand.
      toast.value = { key: "link.copyFailed", params: { link } };
    }
  };
  return (
    <>
      <button type="button" class="copy-link" title={t("link.copyLabel")} onClick={() => void copy()}>
        {t("link.copy")}
      </button>
      <p class="toast" role="status" data-toast={toast.value?.key ?? ""}>
        {toast.value ? translate(toast.value) : ""}
      </p>
    </>
  );
}
