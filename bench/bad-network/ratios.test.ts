import { assertEquals } from "../../test/fixtures/assert.ts";
import { ratiosToWebRtc } from "./ratios.ts";

const row = (
  mode: string,
  p50: number,
  p95: number,
  freeze: number,
  samples: number,
  profile = "clean",
  concealment = 0.01,
  maxAbsSkewMs = 20,
) => ({
  profile,
  mode,
  latencyP50Ms: p50,
  latencyP95Ms: p95,
  freezeRatio: freeze,
  samples,
  audioConcealmentRatio: concealment,
  avSkewMaxAbsMs: maxAbsSkewMs,
});

Deno.test("ratios to the WebRTC row of the same profile; none for the anchor or without one", () => {
  const rows = [
    row("webtransport", 60, 120, 0.02, 270, "clean", 0.03, 30),
    row("webrtc", 50, 80, 0.01, 300, "clean", 0.02),
    row("websocket", 40, 100, 0, 300, "cap-500k"),
  ];
  assertEquals(ratiosToWebRtc(rows[0]!, rows), {
    p50: 1.2,
    p95: 1.5,
    freeze: 2,
    frames: 0.9,
    concealment: 1.5,
    maxAbsSkew: 1.5,
  });
  assertEquals(ratiosToWebRtc(rows[1]!, rows), undefined);
  assertEquals(ratiosToWebRtc(rows[2]!, rows), undefined);
});

Deno.test("a freeze, concealment or skew ratio against an anchor that had none is no ratio", () => {
  const rows = [row("websocket", 50, 80, 0.05, 280), row("webrtc", 50, 80, 0, 300, "clean", 0, Number.NaN)];
  assertEquals(ratiosToWebRtc(rows[0]!, rows)?.freeze, null);
  assertEquals(ratiosToWebRtc(rows[0]!, rows)?.concealment, null);
  assertEquals(ratiosToWebRtc(rows[0]!, rows)?.maxAbsSkew, null);
  const noPairs = [
    row("websocket", 50, 80, 0.05, 280, "clean", 0.01, Number.NaN),
    row("webrtc", 50, 80, 0, 300),
  ];
  assertEquals(ratiosToWebRtc(noPairs[0]!, noPairs)?.maxAbsSkew, null);
});
