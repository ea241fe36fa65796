import { assert, assertEquals } from "../fixtures/assert.ts";
import { loadRegressions, regressionInput, replay, wrongOutcome } from "./regressions.ts";

const regressions = loadRegressions();

Deno.test("every crash the fuzzers found is saved as a regression", () => {
  assert(regressions.length >= 24, `only ${regressions.length} regressions in test/fuzz/regressions/`);
  assertEquals(new Set(regressions.map((r) => r.id)).size, regressions.length, "ids are unique");
});

for (const regression of regressions) {
  Deno.test(`regression: ${regression.id} (${regression.target}) gets a bad-input answer, not an exception`, async () => {
    const { outcome, honestProblems } = await replay(regressionInput(regression));
    assertEquals(
      wrongOutcome(regression.target, outcome),
      undefined,
      `${regression.id}, found ${regression.found}`,
    );
    assertEquals(honestProblems, []);
  });
}
