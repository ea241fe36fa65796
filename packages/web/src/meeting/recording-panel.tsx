import { useEffect, useState } from "preact/hooks";
import { roomToken } from "../call/call.ts";
import type { CallController } from "../call/call-controller.ts";
import { t } from "../i18n/i18n.ts";

interface RecordingEntry {
  readonly fileName: string;
  readonly bytes: number;
  readonly modifiedAt: string;
  readonly url: string;
}

/** For hosts and co-hosts: start and stop the server-side recording, list and download the files. */
export function RecordingPanel({ controller }: { controller: CallController }) {
  const [entries, setEntries] = useState<readonly RecordingEntry[]>([]);
  const [token, setToken] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const isHost = controller.isHost.value;
  const recording = controller.meetingState.value.recording;
  const meetingId = controller.route.meetingId;
  useEffect(() => {
    if (!isHost) return;
    let cancelled = false;
    void (async () => {
      // A fresh room token for this identity (the join endpoint's cookie): the list checks it is a host's.
      const fresh = await roomToken(location.origin, meetingId, controller.route.username);
      if (!fresh || cancelled) return;
      const response = await fetch(`/api/meetings/${encodeURIComponent(meetingId)}/recordings`, {
        headers: { authorization: `Bearer ${fresh}` },
        cache: "no-store",
      }).catch(() => undefined);
      if (!response?.ok || cancelled) return;
      const body = (await response.json()) as { recordings: RecordingEntry[] };
      setToken(fresh);
      setEntries(body.recordings);
    })();
    return () => {
      cancelled = true;
    };
  }, [isHost, recording, meetingId]);
  if (!isHost) return null;
  const toggle = async () => {
    const result = await controller.setRecording(!recording);
    setError(result.ok ? undefined : result.error);
  };
  return (
    <details class="card recording-panel">
      <summary>{t("recording.title")}</summary>
      <button type="button" class={recording ? "danger" : ""} onClick={() => void toggle()}>
        {recording ? t("recording.stop") : t("recording.start")}
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {entries.length === 0 ? (
        <p class="muted">{t("recording.none")}</p>
      ) : (
        <ul class="recording-list">
          {entries.map((entry) => (
            <li key={entry.fileName}>
              <a href={`${entry.url}?token=${encodeURIComponent(token ?? "")}`} download={entry.fileName}>
                {t("recording.download", {
                  name: entry.fileName,
                  megabytes: (entry.bytes / 1_000_000).toFixed(1),
                })}
              </a>
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}
