import type { CallController } from "../call/call-controller.ts";
import { t } from "../i18n/i18n.ts";

/**
 * In an end-to-end encrypted call: each peer's safety number (the same on both sides), an
 * "unverified" badge until the user marks the peer verified, and a warning when a peer's key changed.
 */
export function SecurityPanel({ controller }: { controller: CallController }) {
  const security = controller.security.value;
  if (!security) return null;
  return (
    <aside class="security-panel" aria-label={t("e2ee.panelTitle")}>
      <h2>🔒 {t("e2ee.panelTitle")}</h2>
      <p class="intro">{t("e2ee.panelIntro")}</p>
      <ul>
        {security.peers.map((peer) => (
          <li
            key={peer.sessionId}
            class="peer-security"
            data-session-id={peer.sessionId}
            data-trust={peer.trust}
            data-key-changed={peer.keyChanged ? "true" : "false"}
          >
            <div class="peer-name">
              <strong>{peer.username}</strong>{" "}
              <span class={`trust-badge ${peer.trust === "verified" ? "verified" : "unverified"}`}>
                {peer.trust === "verified" ? t("e2ee.verified") : t("e2ee.unverified")}
              </span>
            </div>
            {peer.keyChanged && (
              <p class="key-changed" role="alert">
                {t("e2ee.keyChanged", { username: peer.username })}
              </p>
            )}
            {peer.safetyNumber ? (
              <>
                <code class="safety-number">{peer.safetyNumber.join(" ")}</code>
                <div class="safety-emoji">{peer.emoji?.join(" ")}</div>
                {peer.trust !== "verified" && (
                  <button type="button" onClick={() => controller.markPeerVerified(peer.sessionId)}>
                    {t("e2ee.markVerified")}
                  </button>
                )}
              </>
            ) : (
              <span class="waiting">{t("e2ee.waitingForIdentity")}</span>
            )}
          </li>
        ))}
      </ul>
    </aside>
  );
}
