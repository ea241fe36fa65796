/**
 * The seeded mutation loop over the in-process relay harness. Input `i` of a run seeded `s` is
 * drawn from its own PRNG seeded `inputSeed(s, i)`, so a crash report's (seed, index) regenerates
 * the bytes on its own; the bytes are also in the report.
 */
import { FROM_SESSION_TAG, frameOnStream } from "@videocall/protocol";
import { buildBusCorpus, buildPacketCorpus } from "./corpus.ts";
import { Mutator } from "./mutate.ts";
import { inputSeed, SeededRandom, toHex } from "./prng.ts";
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

const PACKET_CORPUS = buildPacketCorpus(0x5eed, 24);
const BUS_CORPUS = buildBusCorpus(0x5eed, 32);
const PRESENCE_CORPUS = BUS_CORPUS.slice(0, 32).map((bytes) => ({ bytes }));
const HEARTBEAT_CORPUS = BUS_CORPUS.slice(32).map((bytes) => ({ bytes }));
const PACKETS = PACKET_CORPUS.map((p) => ({ bytes: p.bytes }));

/** Relative weights of the entry points. */
const TARGET_WEIGHTS: ReadonlyArray<[FuzzTarget, number]> = [
  ["websocket", 34],
  ["websocket-text", 1],
  ["webtransport-datagram", 10],
  ["webtransport-stream", 20],
  ["bus-packet", 18],
  ["bus-presence", 12],
  ["bus-heartbeat", 5],
];
const TOTAL_WEIGHT = TARGET_WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
/** The honest publisher sends a frame every this many inputs. */
const HONEST_FRAME_EVERY = 64;
/** Nodes heard only through presence are declared lost every this many inputs (see sweepSilentNodes). */
const SWEEP_EVERY = 512;

function pickTarget(random: SeededRandom): FuzzTarget {
  let roll = random.int(TOTAL_WEIGHT);
  for (const [target, weight] of TARGET_WEIGHTS) {
    if (roll < weight) return target;
    roll -= weight;
  }
  return "websocket";
}

/** Input `index` of the run seeded `seed`. */
export function generateInput(seed: number, index: number): FuzzInput {
  const random = new SeededRandom(inputSeed(seed, index));
  const target = pickTarget(random);
  const packets = new Mutator(PACKETS, random);
  const packet = () => (random.chance(0.9) ? packets.next() : packets.valid());
  switch (target) {
    case "websocket":
    case "webtransport-datagram":
      return { target, bytes: packet() };
    case "websocket-text":
      return { target, bytes: new Uint8Array(0) };
    case "webtransport-stream":
      return streamInput(random, packet);
    case "bus-packet": {
      const bytes = packet();
      // Packets on the bus are stamped by their node: give the placeholder a random session.
      if (bytes[0] === FROM_SESSION_TAG && bytes.length >= 5 && random.chance(0.9)) {
        bytes.set(random.bytes(4), 1);
      }
      const address: BusAddress = random.pick(["broadcast", "broadcast", "local-watcher", "unknown-session"]);
      return { target, bytes, address, ...(random.chance(0.5) ? { stampAsRemote: true } : {}) };
    }
    case "bus-presence":
      return {
        target,
        bytes: random.chance(0.9)
          ? new Mutator(PRESENCE_CORPUS, random).next()
          : random.pick(PRESENCE_CORPUS).bytes,
      };
    case "bus-heartbeat":
      return { target, bytes: new Mutator(HEARTBEAT_CORPUS, random).next() };
  }
}

/** 1-4 framed packets, sometimes with a lying length prefix, split into chunks at random offsets. */
function streamInput(random: SeededRandom, packet: () => Uint8Array): FuzzInput {
  const frames: Uint8Array[] = [];
  const count = 1 + random.int(4);
  for (let i = 0; i < count; i++) {
    const frame = frameOnStream(packet());
    if (random.chance(0.15)) frames.push(lyingPrefix(random), frame.subarray(prefixLength(frame)));
    else frames.push(frame);
  }
  let length = 0;
  for (const frame of frames) length += frame.length;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const frame of frames) {
    bytes.set(frame, at);
    at += frame.length;
  }
  const splits: number[] = [];
  const splitCount = random.int(5);
  for (let i = 0; i < splitCount; i++) splits.push(random.int(bytes.length + 1));
  splits.sort((a, b) => a - b);
  return { target: "webtransport-stream", bytes, splits };
}

function prefixLength(frame: Uint8Array): number {
  return 1 << ((frame[0] as number) >>> 6);
}

/** A QUIC varint length that is not the frame's: too short, a bit long, over the limit, 8 bytes. */
function lyingPrefix(random: SeededRandom): Uint8Array {
  switch (random.int(5)) {
    case 0:
      return Uint8Array.of(random.int(0x40));
    case 1:
      return Uint8Array.of(0x40 | random.int(0x40), random.int(256));
    case 2: {
      const length = random.int(0x40000000); // mostly over the 1 MiB limit
      return Uint8Array.of(
        0x80 | (length >>> 24),
        (length >>> 16) & 0xff,
        (length >>> 8) & 0xff,
        length & 0xff,
      );
    }
    case 3:
      return Uint8Array.of(0xc0, ...random.bytes(7));
    default:
      return Uint8Array.of(0x80, 0x10, 0x00, 0x01); // exactly one byte over the limit
  }
}

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
  const harness = new RelayHarness();
  const byTarget: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const crashes: CrashRecord[] = [];
  const distinct = new Map<string, CrashRecord>();
  let crashCount = 0;
  let internalErrors = 0;
  let current: FuzzInput | undefined;
  let honestProblems: string[] = [];
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
      if (done % HONEST_FRAME_EVERY === 0) harness.sendHonestFrame();
      if (done % SWEEP_EVERY === 0) {
        const swept = await harness.sweepSilentNodes();
        if (swept.kind === "crash") throw swept.error; // not an input's fault: a harness or relay bug
      }
      current = generateInput(options.seed, done);
      byTarget[current.target] = (byTarget[current.target] ?? 0) + 1;
      const outcome: Outcome = await harness.feed(current);
      outcomes[outcome.kind] = (outcomes[outcome.kind] ?? 0) + 1;
      if (outcome.kind === "closed" && outcome.code === 1011) internalErrors++;
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
    await harness.settle();
    honestProblems = harness.honestProblems();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    globalThis.removeEventListener("error", onError);
    globalThis.removeEventListener("unhandledrejection", onRejection);
    harness.close();
  }
  const elapsedMs = performance.now() - started;
  return {
    seed: options.seed,
    inputs: done,
    elapsedMs,
    inputsPerSecond: Math.round((done / elapsedMs) * 1000),
    byTarget,
    outcomes,
    closeCodes: Object.fromEntries([...harness.closeCodes].sort(([a], [b]) => a - b)),
    crashes,
    crashCount,
    distinctCrashes: [...distinct.values()],
    internalErrors,
    honestFramesSent: harness.honestFramesSent,
    honestProblems,
    forwardedUndecodable: harness.watcherA.forwardedUndecodable + harness.watcherB.forwardedUndecodable,
  };
}
