/**
 * The seeded mutation loop over the in-process relay harness. Input `i` of a run seeded `s` is
 * drawn from its own PRNG seeded `inputSeed(s, i)`, so a crash report's (seed, index) regenerates
 * the bytes on its own; the bytes are also in the report.
 */
import { generateInput } from "./inputs.ts";
import { toHex } from "./prng.ts";
import {
  type BusAddress,
  type FuzzInput,
  type FuzzTarget,
  type Outcome,
  RelayHarness,
} from "./relay-harness.ts";

export interface HarnessRunOptions {
  seed: number;
  /** Stop after this many inputs... */
  inputs: number;
  /** ...or after this long, whichever comes first. */
  maxDurationMs?: number;
  /** Called about every second with the inputs done so far. */
  onProgress?: (done: number, elapsedMs: number) => void;
}

/** A crash as saved to test/fuzz/regressions/: enough to replay it without the seed. */
export interface CrashRecord {
  seed: number;
  index: number;
  target: FuzzTarget;
  hex: string;
  splits?: number[];
  address?: BusAddress;
  stampAsRemote?: boolean;
  error: string;
  stack: string;
}

export interface HarnessReport {
  seed: number;
  inputs: number;
  elapsedMs: number;
  inputsPerSecond: number;
  byTarget: Record<string, number>;
  outcomes: Record<string, number>;
  closeCodes: Record<string, number>;
  /** Every crashing input (the first 1000). */
  crashes: CrashRecord[];
  crashCount: number;
  /** One crash per distinct error (message without numbers, first stack frame). */
  distinctCrashes: CrashRecord[];
  /** Connections closed with 1011: an exception the relay's guard caught. The harness counts them as failures. */
  internalErrors: number;
  honestFramesSent: number;
  honestProblems: string[];
  /** Media packets the relay forwarded that the client's decoder refuses (clients drop them). */
  forwardedUndecodable: number;
}

/** The honest publisher sends a frame every this many inputs. */
const HONEST_FRAME_EVERY = 64;
/** Nodes heard only through presence are declared lost every this many inputs (see sweepSilentNodes). */
const SWEEP_EVERY = 512;
/** A fresh pair of nodes every this many inputs, so a long pass's memory stays flat (the harness remembers every session). */
const INPUTS_PER_HARNESS = 500_000;

function errorOf(error: unknown): { message: string; stack: string } {
  if (error instanceof Error) return { message: `${error.name}: ${error.message}`, stack: error.stack ?? "" };
  return { message: String(error), stack: "" };
}

/** One crash per target and place in our code the exception escaped from (protobuf's messages vary for one bug). */
function crashKey(record: CrashRecord): string {
  const frame = record.stack
    .split("\n")
    .find((line) => line.trim().startsWith("at ") && !line.includes("node_modules"));
  return `${record.target} ${frame ? frame.replace(/:\d+:\d+/g, "").trim() : record.error.replace(/\d+/g, "N")}`;
}

/** Runs the loop; the harness itself is created and closed here. */
export async function runHarness(options: HarnessRunOptions): Promise<HarnessReport> {
  let harness = new RelayHarness();
  const byTarget: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const crashes: CrashRecord[] = [];
  const distinct = new Map<string, CrashRecord>();
  let crashCount = 0;
  let internalErrors = 0;
  let current: FuzzInput | undefined;
  const closeCodes = new Map<number, number>();
  const honestProblems: string[] = [];
  let honestFramesSent = 0;
  let forwardedUndecodable = 0;
  const retire = async (old: RelayHarness) => {
    await old.settle();
    honestProblems.push(...old.honestProblems());
    honestFramesSent += old.honestFramesSent;
    forwardedUndecodable += old.watcherA.forwardedUndecodable + old.watcherB.forwardedUndecodable;
    old.close();
  };
  // A microtask or promise that throws outside the bus guard still belongs to the current input.
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    harness.recordCrash(event.error);
  };
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    harness.recordCrash(event.reason);
  };
  // protobuf's reader recurses: keep enough frames to see where in our code an exception came from.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  globalThis.addEventListener("error", onError);
  globalThis.addEventListener("unhandledrejection", onRejection);
  const started = performance.now();
  let lastProgress = started;
  let done = 0;
  try {
    await harness.settle();
    for (; done < options.inputs; done++) {
      if ((done & 1023) === 0 && done > 0) {
        const now = performance.now();
        if (options.maxDurationMs !== undefined && now - started >= options.maxDurationMs) break;
        if (now - lastProgress >= 1000) {
          lastProgress = now;
          options.onProgress?.(done, now - started);
        }
      }
      if (done % INPUTS_PER_HARNESS === 0 && done > 0) {
        await retire(harness);
        harness = new RelayHarness();
        await harness.settle();
      }
      if (done % HONEST_FRAME_EVERY === 0) harness.sendHonestFrame();
      if (done % SWEEP_EVERY === 0) {
        const swept = await harness.sweepSilentNodes();
        if (swept.kind === "crash") throw swept.error; // not an input's fault: a harness or relay bug
      }
      current = generateInput(options.seed, done);
      byTarget[current.target] = (byTarget[current.target] ?? 0) + 1;
      const outcome: Outcome = await harness.feed(current);
      outcomes[outcome.kind] = (outcomes[outcome.kind] ?? 0) + 1;
      if (outcome.kind === "closed") {
        closeCodes.set(outcome.code, (closeCodes.get(outcome.code) ?? 0) + 1);
        if (outcome.code === 1011) internalErrors++;
      }
      if (outcome.kind === "crash") {
        crashCount++;
        const { message, stack } = errorOf(outcome.error);
        const record: CrashRecord = {
          seed: options.seed,
          index: done,
          target: current.target,
          hex: toHex(current.bytes),
          ...(current.splits ? { splits: current.splits } : {}),
          ...(current.address ? { address: current.address } : {}),
          ...(current.stampAsRemote ? { stampAsRemote: true } : {}),
          error: message,
          stack,
        };
        if (crashes.length < 1000) crashes.push(record);
        const key = crashKey(record);
        if (!distinct.has(key)) distinct.set(key, record);
      }
    }
    await retire(harness);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    globalThis.removeEventListener("error", onError);
    globalThis.removeEventListener("unhandledrejection", onRejection);
    harness.close(); // again after retire: closing is idempotent
  }
  const elapsedMs = performance.now() - started;
  return {
    seed: options.seed,
    inputs: done,
    elapsedMs,
    inputsPerSecond: Math.round((done / elapsedMs) * 1000),
    byTarget,
    outcomes,
    closeCodes: Object.fromEntries([...closeCodes].sort(([a], [b]) => a - b)),
    crashes,
    crashCount,
    distinctCrashes: [...distinct.values()],
    internalErrors,
    honestFramesSent,
    honestProblems,
    forwardedUndecodable,
  };
}
