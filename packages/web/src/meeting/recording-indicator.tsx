import { useEffect, useState } from "preact/hooks";
import type { CallController } from "../call/call-controller.ts";
import { isInCall } from "../call/call-phase.ts";
import { t } from "../i18n/i18n.ts";

/**
 * "This meeting is being recorded": in the call from MeetingState.recording, and before joining
 * (preview, waiting room) from GET /api/meetings/<id>/recording, so nobody joins unaware.
 */
export function RecordingIndicator({ controller }: { controller: CallController }) {
  const phase = controller.phase.value;
  const inCall = isInCall(phase);
  const [recordingBeforeJoin, setRecordingBeforeJoin] = useState(false);
  const meetingId = controller.route.meetingId;
  useEffect(() => {
    if (inCall) return;
    const abort = new AbortController();
    fetch(`/api/meetings/${encodeURIComponent(meetingId)}/recording`, {
      signal: abort.signal,
      cache: "no-store",
    })
      .then((response) => (response.ok ? response.json() : { recording: false }))
      .then((body: { recording?: unknown }) => setRecordingBeforeJoin(body.recording === true))
      .catch(() => {}); // an older server without recording: nothing to show
    return () => abort.abort();
  }, [inCall, meetingId]);
  const recording = inCall ? controller.meetingState.value.recording : recordingBeforeJoin;
  if (!recording) return null;
  return (
    <p class="recording-indicator" role="status" data-testid="recording-indicator">
      <span class="recording-dot" aria-hidden="true" />
      {inCall ? t("recording.inCall") : t("recording.beforeJoin")}
    </p>
  );
}
