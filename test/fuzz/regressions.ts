/**
 * Every crash a fuzzer finds becomes a regression: its input is saved (hex, in JSON) under
 * test/fuzz/regressions/ and replayed by regressions.test.ts through a fresh harness, which must
 * then give the right outcome: the attacker's connection closed with a bad-input code, or the
 * bus packet dropped, and never an exception.
 */
import { fromHex } from "./prng.ts";
import {
  BAD_INPUT_CLOSE_CODES,
  type BusAddress,
  type FuzzInput,
  type FuzzTarget,
  type Outcome,
  RelayHarness,
} from "./relay-harness.ts";

export const REGRESSIONS_FILE = new URL("./regressions/relay-crashes.json", import.meta.url);

export interface Regression {
  /** What it was, in a few words. */
  id: string;
  /** When and how it was found: the run's seed and the input's index. */
  found: string;
  target: FuzzTarget;
  hex: string;
  splits?: number[];
  address?: BusAddress;
  stampAsRemote?: boolean;
  /** The exception it raised when it was found, and where it escaped from. */
  error: string;
  where: string;
}

export function loadRegressions(): Regression[] {
  return JSON.parse(Deno.readTextFileSync(REGRESSIONS_FILE)) as Regression[];
}

export function regressionInput(regression: Regression): FuzzInput {
  return {
    target: regression.target,
    bytes: fromHex(regression.hex),
    ...(regression.splits ? { splits: regression.splits } : {}),
    ...(regression.address ? { address: regression.address } : {}),
    ...(regression.stampAsRemote ? { stampAsRemote: true } : {}),
  };
}

/** Replays one input through a fresh harness. */
export async function replay(input: FuzzInput): Promise<{ outcome: Outcome; honestProblems: string[] }> {
  const harness = new RelayHarness();
  try {
    await harness.settle(); // the nodes learn of each other's participants through the bus
    const outcome = await harness.feed(input);
    return { outcome, honestProblems: harness.honestProblems() };
  } finally {
    harness.close();
  }
}

/** Why `outcome` is wrong for `target`, or undefined when it is right. */
export function wrongOutcome(target: FuzzTarget, outcome: Outcome): string | undefined {
  if (outcome.kind === "crash") return `crashed: ${String(outcome.error)}`;
  if (target.startsWith("bus-")) {
    return outcome.kind === "dropped" ? undefined : `expected the bus message dropped, got ${outcome.kind}`;
  }
  if (outcome.kind !== "closed") return `expected the connection closed for bad input, got ${outcome.kind}`;
  return BAD_INPUT_CLOSE_CODES.has(outcome.code)
    ? undefined
    : `closed with ${outcome.code}, not a bad-input code`;
}
