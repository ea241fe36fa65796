/**
 * Runs the E2EE benchmark, tiny, so that it cannot rot: every payload must have encrypt and decrypt
 * figures for SFrame and the baseline, a finite ratio, and SFrame's overhead (header + 16-byte tag);
 * the rotation figure must have wrapped and opened one key per remaining pair.
 */
import { check, runBenchmarkTiny } from "../smoke-run.ts";
import { type BenchResult, PAYLOADS } from "./main.ts";

Deno.test("the E2EE benchmark times SFrame and plain AES-GCM for every payload", async () => {
  const { results, printed, output } = await runBenchmarkTiny<BenchResult>(
    "bench/e2ee/main.ts",
    ["--frames", "50", "--warmup-frames", "5", "--rounds", "2", "--participants", "4"],
    30_000,
  );
  check(results.results.length === PAYLOADS.length, `payloads missing:\n${output}`);
  for (const result of results.results) {
    for (const figures of [
      result.sframe.encrypt,
      result.sframe.decrypt,
      result.baseline.encrypt,
      result.baseline.decrypt,
    ]) {
      check(
        figures.medianUs > 0 && figures.p99Us >= figures.medianUs,
        `${result.payload}: bad figures:\n${output}`,
      );
    }
    check(
      Number.isFinite(result.ratio.encrypt) && Number.isFinite(result.ratio.decrypt),
      `${result.payload}: no ratio`,
    );
    // 16-byte tag plus a header of 1 config byte, a 5-byte KID (sender id 0x12345678) and a 1-2 byte CTR.
    check(
      result.overheadBytes >= 16 + 1 + 5 && result.overheadBytes <= 16 + 17,
      `${result.payload}: overhead ${result.overheadBytes}`,
    );
  }
  // 4 participants, one leaves: 3 senders wrap for 2 others each.
  check(results.rotation.keyMessages === 6, `rotation: ${results.rotation.keyMessages} key messages`);
  check(results.rotation.rotationMs > 0 && results.rotation.channelSetupMs > 0, "no rotation timings");
  check(printed.includes("ratio"), "no table printed");
});
