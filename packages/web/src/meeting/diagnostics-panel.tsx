import type { ReadonlySignal } from "@preact/signals";
import type { DiagnosticsSnapshot } from "../call/call-controller.ts";
import { t } from "../i18n/i18n.ts";

/** A small live table of connection and per-peer media figures, for support and for debugging. */
export function DiagnosticsPanel({
  snapshot,
}: {
  snapshot: ReadonlySignal<DiagnosticsSnapshot | undefined>;
}) {
  const current = snapshot.value;
  return (
    <details class="diagnostics" open>
      <summary>{t("diagnostics.title")}</summary>
      <div class="diag-body">
        {current ? <Figures snapshot={current} /> : <p class="muted">{t("diagnostics.notConnected")}</p>}
      </div>
    </details>
  );
}

function Figures({ snapshot }: { snapshot: DiagnosticsSnapshot }) {
  const transport = t(`transport.${snapshot.transport}`);
  const { sent } = snapshot;
  const columns = [
    t("diagnostics.peer"),
    t("diagnostics.fps"),
    t("diagnostics.size"),
    t("diagnostics.frames"),
    t("diagnostics.bufferMs"),
    t("diagnostics.lost"),
    t("diagnostics.rms"),
  ];
  return (
    <>
      <dl>
        <dt>{t("diagnostics.transport")}</dt>
        <dd>{snapshot.reconnecting ? t("diagnostics.transportReconnecting", { transport }) : transport}</dd>
        <dt>{t("diagnostics.rtt")}</dt>
        <dd>
          {snapshot.rttMs === undefined ? "–" : t("diagnostics.rttMs", { rttMs: snapshot.rttMs.toFixed(1) })}
        </dd>
        <dt>{t("diagnostics.sending")}</dt>
        <dd>
          {t("diagnostics.sendingSummary", {
            resolution: sent.width ? `${sent.width}×${sent.height}` : t("diagnostics.noVideo"),
            frames: sent.videoFrames,
            megabytes: (sent.bytesSent / 1e6).toFixed(1),
          })}
        </dd>
        {snapshot.e2ee && (
          <>
            <dt>{t("e2ee.epoch")}</dt>
            <dd data-e2ee-epoch={snapshot.e2ee.epoch}>{snapshot.e2ee.epoch}</dd>
            <dt>{t("e2ee.decrypted")}</dt>
            <dd>{snapshot.e2ee.framesDecrypted}</dd>
            <dt>{t("e2ee.rejected")}</dt>
            <dd data-e2ee-rejected={snapshot.e2ee.framesRejected}>{snapshot.e2ee.framesRejected}</dd>
            <dt>{t("e2ee.waiting")}</dt>
            <dd>{snapshot.e2ee.framesWaitingForKeys}</dd>
          </>
        )}
      </dl>
      <table>
        <thead>
          <tr>
            {columns.map((title) => (
              <th key={title}>{title}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {snapshot.peers.map((peer) => (
            <tr key={peer.sessionId}>
              <td>{peer.username}</td>
              <td>{peer.videoFps.toFixed(1)}</td>
              <td>{peer.videoWidth ? `${peer.videoWidth}×${peer.videoHeight}` : "–"}</td>
              <td>{peer.videoFramesDecoded}</td>
              <td>{`${peer.jitterBufferDepthMs.toFixed(0)}/${peer.jitterBufferTargetMs.toFixed(0)}`}</td>
              <td>{peer.audioFramesConcealed}</td>
              <td>{peer.audioRms.toFixed(3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
