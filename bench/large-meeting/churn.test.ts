/**
 * Runs the churn benchmark small, so that it cannot rot: everyone joins and leaves, the figures are
 * finite, and the room is empty of watchers afterwards.
 */
import { check, runBenchmarkTiny } from "../smoke-run.ts";
import type { ChurnMeasurement } from "./churn.ts";

Deno.test("the churn benchmark times joins and leaves per participant at each meeting size", async () => {
  const { results, printed } = await runBenchmarkTiny<{ measurements: ChurnMeasurement[] }>(
    "bench/large-meeting/churn.ts",
    ["--participants", "20,40", "--runs", "1"],
    60_000,
  );
  check(results.measurements.length === 2, `two sizes measured:\n${printed}`);
  for (const m of results.measurements) {
    check(m.participantsLeft === 0, `${m.participants}: ${m.participantsLeft} watchers still in the room`);
    for (const figure of [m.joinAllMs, m.leaveAllMs, m.cameraLeaveMs, m.cameraRejoinMs]) {
      check(Number.isFinite(figure) && figure >= 0, `${m.participants}: a figure is ${figure}`);
    }
  }
  check(printed.includes("× smallest"), `the ratio column is printed:\n${printed}`);
});
