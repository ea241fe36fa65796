/**
 * Runs the large-meeting benchmark small (20 bots in 3 processes, a few seconds), so that it cannot
 * rot: both modes must join everyone, deliver the speakers' audio without loss, and the selective
 * mode must deliver exactly the page's tiles, in fewer bytes per subscriber than broadcast.
 */
import { check, runBenchmarkTiny } from "../smoke-run.ts";
import type { Measurement, Ratios } from "./main.ts";

Deno.test("the large-meeting benchmark measures broadcast and selective forwarding side by side", async () => {
  const { results, printed } = await runBenchmarkTiny<{ measurements: Measurement[]; ratios: Ratios[] }>(
    "bench/large-meeting/main.ts",
    [
      ...["--participants", "20", "--publishers", "4", "--speakers", "2", "--tiles", "2"],
      ...["--load-processes", "2", "--seconds", "2", "--warmup-seconds", "2", "--drain-seconds", "2"],
    ],
    120_000,
  );
  const byMode = (mode: string) =>
    results.measurements.find((m) => m.mode === mode && m.topology === "single");
  const broadcast = byMode("broadcast");
  const selective = byMode("selective");
  check(broadcast !== undefined && selective !== undefined, "a mode is missing");
  for (const m of [broadcast, selective]) {
    check(
      m.participants === 20 && m.disconnects === 0,
      `${m.mode}: ${m.participants} joined, ${m.disconnects} left`,
    );
    check(m.speakerAudioExpected > 0, `${m.mode}: the speakers sent no audio in the window`);
    check(
      m.speakerAudioLossPercent === 0,
      `${m.mode}: ${m.speakerAudioLossPercent} % of the speakers' audio lost`,
    );
    check(m.packetsPerSecondPerSubscriber.p10 > 0, `${m.mode}: a subscriber received nothing`);
    check(Number.isFinite(m.latencyMs.p99 ?? Number.NaN), `${m.mode}: no p99`);
    check(m.relayCpuPercent > 0 && m.relayKiBPerParticipant > 0, `${m.mode}: no relay CPU or memory figure`);
  }
  // Every tile of the page gets frames; broadcast delivers every publisher's video.
  check(selective.fpsPerTile.p10 > 10, `selective: ${selective.fpsPerTile.p10} fps per tile at p10`);
  check(broadcast.fpsPerTile.p10 > 10, `broadcast: ${broadcast.fpsPerTile.p10} fps per publisher at p10`);
  check(
    selective.kilobitsPerSecondPerSubscriber.p50 < broadcast.kilobitsPerSecondPerSubscriber.p50,
    "a 2-tile page costs a subscriber no fewer bytes than everything",
  );
  check(results.ratios.length === 1, "no ratios");
  check(printed.includes("selective / broadcast"), "no ratio table printed");
});
