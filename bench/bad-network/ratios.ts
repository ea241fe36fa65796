/**
 * Ratios of each row to the WebRTC anchor's row of the same profile, measured in the same run:
 * above 1 is worse than WebRTC for latency and freezes, better for frames.
 */
export interface RatioInput {
  profile: string;
  mode: string;
  latencyP50Ms: number;
  latencyP95Ms: number;
  freezeRatio: number;
  samples: number;
  audioConcealmentRatio: number;
  avSkewMaxAbsMs: number;
}

export interface RatiosToWebRtc {
  p50: number;
  p95: number;
  /** null when the anchor did not freeze at all (a ratio to 0 says nothing); its share is printed. */
  freeze: number | null;
  frames: number;
  /** null when the anchor concealed nothing, as for freezes. */
  concealment: number | null;
  /** Largest |A/V skew| against the anchor's; null when either has no flash/beep pair or the anchor's is 0. */
  maxAbsSkew: number | null;
}

/** The ratios for `row`, or undefined when it is the anchor or its profile has no anchor row. */
export function ratiosToWebRtc(row: RatioInput, rows: readonly RatioInput[]): RatiosToWebRtc | undefined {
  if (row.mode === "webrtc") return undefined;
  const anchor = rows.find((other) => other.profile === row.profile && other.mode === "webrtc");
  if (!anchor) return undefined;
  return {
    p50: row.latencyP50Ms / anchor.latencyP50Ms,
    p95: row.latencyP95Ms / anchor.latencyP95Ms,
    freeze: anchor.freezeRatio > 0 ? row.freezeRatio / anchor.freezeRatio : null,
    frames: row.samples / anchor.samples,
    concealment:
      anchor.audioConcealmentRatio > 0 ? row.audioConcealmentRatio / anchor.audioConcealmentRatio : null,
    maxAbsSkew:
      anchor.avSkewMaxAbsMs > 0 && Number.isFinite(row.avSkewMaxAbsMs)
        ? row.avSkewMaxAbsMs / anchor.avSkewMaxAbsMs
        : null,
  };
}
