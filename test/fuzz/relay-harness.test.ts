import { encodePacket, MediaKind } from "@videocall/protocol";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { runHarness } from "./harness-run.ts";
import { generateInput } from "./inputs.ts";
import { InternalError, RelayHarness } from "./relay-harness.ts";

/** Fixed, so a failure here reproduces; FUZZ_SEED runs another one. */
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261201);
const INPUTS = 100_000;
/** What the relay may answer garbage with: normal (a Leave), unsupported, invalid payload, policy, too big. */
const EXPECTED_CLOSE_CODES = new Set([1000, 1003, 1007, 1008, 1009]);

Deno.test(`the relay's packet path survives ${INPUTS} mutated inputs (seed ${SEED}) and the honest participants lose nothing`, async () => {
  const report = await runHarness({ seed: SEED, inputs: INPUTS });
  console.log(
    `harness: ${report.inputs} inputs in ${Math.round(report.elapsedMs)} ms (${report.inputsPerSecond}/s), ` +
      `${report.crashCount} crashes, close codes ${JSON.stringify(report.closeCodes)}, ` +
      `${report.forwardedUndecodable} forwarded media packets the client decoder refuses`,
  );
  const crashes = report.distinctCrashes.map(
    (c) => `${c.target} input ${c.index} (${c.hex.slice(0, 200)}): ${c.error}\n${c.stack}`,
  );
  assertEquals(
    crashes,
    [],
    "no input may raise an exception (save new ones with npm run fuzz -- --save-crashes)",
  );
  assertEquals(report.inputs, INPUTS);
  assertEquals(report.honestProblems, []);
  assertEquals(report.internalErrors, 0, "no connection closed with 1011");
  for (const code of Object.keys(report.closeCodes).map(Number)) {
    assert(EXPECTED_CLOSE_CODES.has(code), `unexpected close code ${code}`);
  }
  // The mutations reach every entry point and get past the first checks often enough to matter.
  assertEquals(Object.keys(report.byTarget).length, 7, "every entry point was fed");
  assert((report.closeCodes[1007] ?? 0) > INPUTS / 10, "malformed packets are refused with 1007");
  assert(
    (report.outcomes.accepted ?? 0) > INPUTS / 20,
    "some mutated inputs pass every check and are routed",
  );
  assert(report.honestFramesSent > 1000);
});

Deno.test("an input is the same bytes every time its seed and index are the same", () => {
  for (const index of [0, 1, 999, 123_456]) {
    const a = generateInput(SEED, index);
    const b = generateInput(SEED, index);
    assertEquals(a, b);
  }
  assert(generateInput(SEED, 1).bytes.join() !== generateInput(SEED + 1, 1).bytes.join());
});

Deno.test("the harness counts an exception the relay's guard survived as a crash", async () => {
  const harness = new RelayHarness();
  try {
    await harness.settle();
    harness.watcherA.failNextSend = true;
    const media = encodePacket({
      body: {
        case: "media",
        value: { trackId: 1, kind: MediaKind.AUDIO, sequence: 1, payload: new Uint8Array(8) },
      },
    });
    const outcome = await harness.feed({ target: "websocket", bytes: media });
    assertEquals(outcome.kind, "crash");
    assert(outcome.kind === "crash" && outcome.error instanceof InternalError, String(outcome));
  } finally {
    harness.close();
  }
});
