import type { CallController } from "../call/call-controller.ts";
import { t } from "../i18n/i18n.ts";

/**
 * The raised hands, first raised first (the relay's order, the same on every page); hosts and
 * co-hosts may lower anyone's.
 */
export function RaisedHandsList({
  controller,
  names,
}: {
  controller: CallController;
  /** Display names by session id (ours included). */
  names: ReadonlyMap<number, string>;
}) {
  const hands = controller.reactions.raisedHands.value;
  if (hands.length === 0) return null;
  const isHost = controller.isHost.value;
  return (
    <section class="raised-hands" aria-label={t("reactions.raisedHandsTitle", { count: hands.length })}>
      <h3>{t("reactions.raisedHandsTitle", { count: hands.length })}</h3>
      <ol>
        {hands.map((sessionId) => {
          const name = names.get(sessionId) ?? t("reactions.someone");
          return (
            <li key={sessionId} data-hand-session-id={sessionId}>
              <span class="name">{name}</span>
              {isHost && (
                <button type="button" onClick={() => void controller.lowerHand(sessionId)}>
                  {t("reactions.lowerHandOf", { username: name })}
                </button>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
