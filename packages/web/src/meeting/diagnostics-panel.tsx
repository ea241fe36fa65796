import type { ReadonlySignal } from "@preact/signals";
import type { DiagnosticsSnapshot } from "../call/call-controller.ts";
import { formatNumber, t } from "../i18n/i18n.ts";

/** One decimal, always shown (figures in a column line up). */
const ONE_DECIMAL = { minimumFractionDigits: 1, maximumFractionDigits: 1 } as const;
const PIXELS = { useGrouping: false } as const;
const size = (width: number, height: number) =>
  `${formatNumber(width, PIXELS)}×${formatNumber(height, PIXELS)}`;
/** A latency figure in whole ms, or a dash before there is one (NaN). */
const milliseconds = (ms: number) => (Number.isFinite(ms) ? formatNumber(Math.round(ms)) : "–");
/** A data attribute's value: whole ms, or empty before there is a figure (tests read these). */
const msAttribute = (ms: number) => (Number.isFinite(ms) ? String(Math.round(ms)) : "");

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
  // Where each peer's delay goes, in the order a frame passes the stages (ms after its capture).
  const latencyColumns = [
    t("diagnostics.peer"),
    t("latency.arrived"),
    t("latency.decoded"),
    t("latency.onScreen"),
    t("latency.lipSyncWait"),
    t("latency.repairBuffer"),
    t("latency.soundHeard"),
  ];
  return (
    <>
      <dl>
        <dt>{t("diagnostics.transport")}</dt>
        <dd>{snapshot.reconnecting ? t("diagnostics.transportReconnecting", { transport }) : transport}</dd>
        <dt>{t("diagnostics.rtt")}</dt>
        <dd>
          {snapshot.rttMs === undefined
            ? "–"
            : t("diagnostics.rttMs", { rttMs: formatNumber(snapshot.rttMs, ONE_DECIMAL) })}
        </dd>
        <dt>{t("diagnostics.sending")}</dt>
        <dd>
          {t("diagnostics.sendingSummary", {
            resolution: sent.width ? size(sent.width, sent.height) : t("diagnostics.noVideo"),
            frames: sent.videoFrames,
            megabytes: formatNumber(sent.bytesSent / 1e6, ONE_DECIMAL),
          })}
        </dd>
        <dt>{t("adapt.quality")}</dt>
        <dd data-send-limitation={sent.limitation}>
          {t(`adapt.limitation.${sent.limitation}`)}
          {sent.adaptation && sent.adaptation.level > 0
            ? ` · ${t("adapt.detail", {
                percent: formatNumber(Math.round(sent.adaptation.bitrateScale * 100)),
                divisor: formatNumber(sent.adaptation.framerateDivisor),
                dropped: formatNumber(sent.adaptation.layersDropped),
              })}`
            : ""}
          {` · ${t("adapt.stale", { stale: formatNumber(sent.framesStale) })}`}
        </dd>
        <dt>{t("diagnostics.encoderLatency")}</dt>
        <dd data-capture-to-encoded-ms={msAttribute(sent.captureToEncodedMs)}>
          {milliseconds(sent.captureToEncodedMs)}
        </dd>
        {snapshot.e2ee && (
          <>
            <dt>{t("e2ee.epoch")}</dt>
            <dd data-e2ee-epoch={snapshot.e2ee.epoch}>{formatNumber(snapshot.e2ee.epoch)}</dd>
            <dt>{t("e2ee.decrypted")}</dt>
            <dd>{formatNumber(snapshot.e2ee.framesDecrypted)}</dd>
            <dt>{t("e2ee.rejected")}</dt>
            <dd data-e2ee-rejected={snapshot.e2ee.framesRejected}>
              {formatNumber(snapshot.e2ee.framesRejected)}
            </dd>
            <dt>{t("e2ee.waiting")}</dt>
            <dd>{formatNumber(snapshot.e2ee.framesWaitingForKeys)}</dd>
          </>
        )}
      </dl>
      <table>
        <HeadRow titles={columns} />
        <tbody>
          {snapshot.peers.map((peer) => (
            <tr key={peer.sessionId}>
              <td>{peer.username}</td>
              <td>{formatNumber(peer.videoFps, ONE_DECIMAL)}</td>
              <td>{peer.videoWidth ? size(peer.videoWidth, peer.videoHeight) : "–"}</td>
              <td>{formatNumber(peer.videoFramesDecoded)}</td>
              <td>{`${formatNumber(Math.round(peer.jitterBufferDepthMs))}/${formatNumber(Math.round(peer.jitterBufferTargetMs))}`}</td>
              <td>{formatNumber(peer.audioFramesConcealed)}</td>
              <td>{formatNumber(peer.audioRms, { minimumFractionDigits: 3, maximumFractionDigits: 3 })}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table class="latency-stages">
        <caption>{t("latency.title")}</caption>
        <HeadRow titles={latencyColumns} />
        <tbody>
          {snapshot.peers.map((peer) => (
            <tr
              key={peer.sessionId}
              data-capture-to-arrival-ms={msAttribute(peer.videoCaptureToArrivalMs)}
              data-capture-to-decoded-ms={msAttribute(peer.videoCaptureToDecodedMs)}
              data-glass-to-glass-ms={msAttribute(peer.glassToGlassMs)}
              data-audio-path-ms={msAttribute(peer.audioPathMs)}
            >
              <td>{peer.username}</td>
              <td>{milliseconds(peer.videoCaptureToArrivalMs)}</td>
              <td>{milliseconds(peer.videoCaptureToDecodedMs)}</td>
              <td>{milliseconds(peer.glassToGlassMs)}</td>
              <td>{milliseconds(peer.avSyncHoldMs)}</td>
              <td>{milliseconds(peer.videoPlayoutDelayMs)}</td>
              <td>{milliseconds(peer.audioPathMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function HeadRow({ titles }: { titles: string[] }) {
  return (
    <thead>
      <tr>
        {titles.map((title) => (
          <th key={title}>{title}</th>
        ))}
      </tr>
    </thead>
  );
}
