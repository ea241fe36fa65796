import type { CallController, ParticipantEntry } from "../call/call-controller.ts";
import { distinctNames } from "../call/display-names.ts";
import { t } from "../i18n/i18n.ts";
import { RaisedHandsList } from "./raised-hands-list.tsx";

/**
 * Who is in the meeting, with roles. Hosts and co-hosts also get the waiting room (admit, deny,
 * admit all) and, per participant, remove, remove and ban, mute mic, stop video; the host also
 * makes and removes co-hosts. The server checks every command; a refusal is shown.
 */
export function ParticipantsPanel({ controller }: { controller: CallController }) {
  const participants = controller.participants.value;
  const isHost = controller.isHost.value;
  const role = controller.role.value;
  const waiting = controller.meetingState.value.waiting;
  const error = controller.lastCommandError.value;
  const self = controller.self.value;
  // The same labels as the tiles: two "Grace"s get a short suffix from their identities.
  const names = distinctNames(
    participants,
    self ? { username: self.displayName, identity: self.identity } : undefined,
  );
  return (
    <aside class="card participants-panel" aria-label={t("meeting.participants")}>
      {isHost && waiting.length > 0 && (
        <section class="waiting-list">
          <h3>{t("participants.waitingTitle", { count: waiting.length })}</h3>
          <ul>
            {waiting.map((joiner) => (
              <li key={joiner.sessionId} data-waiting-session-id={joiner.sessionId}>
                <span class="name" title={joiner.identity}>
                  {joiner.displayName}
                </span>
                {joiner.guest && <span class="badge">{t("participants.guest")}</span>}
                <button type="button" onClick={() => void controller.admit([joiner.sessionId])}>
                  {t("participants.admit")}
                </button>
                <button type="button" onClick={() => void controller.deny([joiner.sessionId])}>
                  {t("participants.deny")}
                </button>
              </li>
            ))}
          </ul>
          <button type="button" class="primary" onClick={() => void controller.admit("all")}>
            {t("participants.admitAll")}
          </button>
        </section>
      )}
      <RaisedHandsList
        controller={controller}
        names={
          new Map([
            ...participants.map((p) => [p.sessionId, names.get(p.identity) ?? p.username] as const),
            ...(self ? [[self.sessionId, t("reactions.you")] as const] : []),
          ])
        }
      />
      <h3>{t("participants.title", { count: participants.length + 1 })}</h3>
      <ul class="participant-list">
        <li class="self">{t("participants.you", { role: t(`participants.role.${role}`) })}</li>
        {participants.map((participant) => (
          <ParticipantRow
            key={participant.sessionId}
            participant={participant}
            label={names.get(participant.identity) ?? participant.username}
            controller={controller}
            canCommand={isHost}
            canChangeRoles={role === "host"}
          />
        ))}
      </ul>
      {error && (
        <p class="error" role="alert">
          {t("participants.commandRefused", { error })}
        </p>
      )}
    </aside>
  );
}

function ParticipantRow({
  participant,
  label,
  controller,
  canCommand,
  canChangeRoles,
}: {
  participant: ParticipantEntry;
  /** The name as the tiles show it (with a suffix where two people share one). */
  label: string;
  controller: CallController;
  canCommand: boolean;
  canChangeRoles: boolean;
}) {
  const { sessionId, username, role } = participant;
  const actionable = canCommand && role !== "host";
  return (
    <li data-session-id={sessionId} data-role={role}>
      <span class="name" title={participant.identity}>
        {label}
      </span>
      {role !== "participant" && <span class="badge">{t(`participants.role.${role}`)}</span>}
      {participant.guest && <span class="badge">{t("participants.guest")}</span>}
      {actionable && (
        <fieldset class="participant-actions" aria-label={t("participants.actionsFor", { username })}>
          <button type="button" onClick={() => void controller.muteParticipant(sessionId, "microphone")}>
            {t("participants.muteMic")}
          </button>
          <button type="button" onClick={() => void controller.muteParticipant(sessionId, "camera")}>
            {t("participants.stopVideo")}
          </button>
          {canChangeRoles && (
            <button type="button" onClick={() => void controller.setCohost(sessionId, role !== "cohost")}>
              {role === "cohost" ? t("participants.removeCohost") : t("participants.makeCohost")}
            </button>
          )}
          <button type="button" class="danger" onClick={() => void controller.kick(sessionId, false)}>
            {t("participants.kick")}
          </button>
          <button type="button" class="danger" onClick={() => void controller.kick(sessionId, true)}>
            {t("participants.kickBan")}
          </button>
        </fieldset>
      )}
    </li>
  );
}
