import type { PeerStats } from "@videocall/client/media";
import { h } from "../dom.ts";

export interface DiagnosticsSnapshot {
  transport: string;
  rttMs: number | undefined;
  sent: { videoFrames: number; videoSkipped: number; resolution: string; bytesSent: number };
  peers: PeerStats[];
}

/** A small live table of connection and per-peer media figures, for support and for debugging. */
export class DiagnosticsPanel {
  readonly element: HTMLDetailsElement;
  #body = h("div", { class: "diag-body" });

  constructor() {
    this.element = h(
      "details",
      { class: "diagnostics", open: true },
      h("summary", {}, "Diagnostics"),
      this.#body,
    );
  }

  update(snapshot: DiagnosticsSnapshot | undefined): void {
    if (!snapshot) {
      this.#body.replaceChildren(h("p", { class: "muted" }, "Not connected."));
      return;
    }
    const rows = snapshot.peers.map((peer) =>
      h(
        "tr",
        {},
        h("td", {}, peer.username),
        h("td", {}, peer.videoFps.toFixed(1)),
        h("td", {}, peer.videoWidth ? `${peer.videoWidth}×${peer.videoHeight}` : "–"),
        h("td", {}, String(peer.videoFramesDecoded)),
        h("td", {}, `${peer.jitterBufferDepthMs.toFixed(0)}/${peer.jitterBufferTargetMs.toFixed(0)}`),
        h("td", {}, String(peer.audioFramesConcealed)),
        h("td", {}, peer.audioRms.toFixed(3)),
      ),
    );
    this.#body.replaceChildren(
      h(
        "dl",
        {},
        h("dt", {}, "Transport"),
        h("dd", {}, snapshot.transport),
        h("dt", {}, "RTT"),
        h("dd", {}, snapshot.rttMs === undefined ? "–" : `${snapshot.rttMs.toFixed(1)} ms`),
        h("dt", {}, "Sending"),
        h(
          "dd",
          {},
          `${snapshot.sent.resolution} · ${snapshot.sent.videoFrames} frames · ${(snapshot.sent.bytesSent / 1e6).toFixed(1)} MB`,
        ),
      ),
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...["Peer", "fps", "Size", "Frames", "Buffer ms", "Lost", "RMS"].map((title) =>
              h("th", {}, title),
            ),
          ),
        ),
        h("tbody", {}, ...rows),
      ),
    );
  }
}
