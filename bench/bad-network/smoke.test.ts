import { assert } from "../../test/fixtures/assert.ts";
import { runBadNetwork } from "./main.ts";

Deno.test({
  name: "bad-network smoke: both transports and the WebRTC anchor give frames through the impairment proxy, clean and under loss",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const rows = await runBadNetwork({
      seconds: 3,
      warmupSeconds: 1,
      profiles: ["clean", "bursty-10"],
      modes: ["webtransport", "websocket", "webrtc"],
      skewSeconds: 3.5,
    });
    assert(rows.length === 6, `expected 6 rows, got ${rows.length}`);
    for (const row of rows) {
      assert(row.samples > 0, `${row.profile} ${row.mode}: no frame read back`);
      assert(
        row.proxyPacketsIn > 100,
        `${row.profile} ${row.mode}: only ${row.proxyPacketsIn} packets crossed the proxy`,
      );
      // NaN when no audio was played at all: the noise must arrive in every mode.
      assert(
        row.audioConcealmentRatio >= 0 && row.audioConcealmentRatio <= 1,
        `${row.profile} ${row.mode}: audio concealment ratio ${row.audioConcealmentRatio}`,
      );
      assert(
        row.freezeRatio >= 0 && row.freezeRatio <= 1,
        `${row.profile} ${row.mode}: freeze ratio ${row.freezeRatio}`,
      );
      // A flash a second from the skew window's start: on a clean link each is seen and its
      // beep heard, in every mode.
      if (row.profile === "clean") {
        assert(row.avSkewPairs >= 2, `${row.mode}: ${row.avSkewPairs} flash/beep pairs in 3.5 s`);
      }
    }
  },
});
