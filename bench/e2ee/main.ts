/**
 * E2EE cost per frame: SFrame encrypt and decrypt through our FrameEncryptor/FrameDecryptor
 * (header, HKDF-derived key, AAD with routing metadata, replay window) against plain AES-128-GCM
 * with one fixed key and no framing, in the same run, on the same payloads.
 *
 *   deno run --config deno.json -A bench/e2ee/main.ts [--frames 3000] [--warmup-frames 300]
 *     [--rounds 3] [--output file.json]
 *
 * Payloads: a 720p VP8 key frame (~30 KB), a VP8 delta frame (~4 KB), an Opus frame (160 B).
 * Also the crypto part of a rotation after a leave (issue 11's "< 1 s with 10 participants"):
 * every remaining sender draws a key and wraps it for every other one, and each unwraps what it
 * gets, all in this one process (so the sum of every participant's work), network not included.
 * Each round times every frame one by one (µs, performance.now) for SFrame and baseline in
 * alternating order; medians and p99 over all rounds. Web Crypto is async, so each figure
 * includes one promise round trip, as it will in the encoder and decoder workers.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { histogramOfUs } from "../../packages/cli/src/load/latency-histogram.ts";
import { FrameDecryptor } from "../../packages/client/src/e2ee/frame-decryptor.ts";
import { FrameEncryptor } from "../../packages/client/src/e2ee/frame-encryptor.ts";
import { generateIdentity } from "../../packages/client/src/e2ee/identity.ts";
import { ReceiverKeyRing } from "../../packages/client/src/e2ee/key-ring.ts";
import { PairwiseChannel } from "../../packages/client/src/e2ee/key-wrap.ts";
import { LocalSenderKeys } from "../../packages/client/src/e2ee/local-sender-keys.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SENDER_ID = 0x1234_5678;

const USAGE = `Usage: deno run --config deno.json -A bench/e2ee/main.ts [options]
  --frames <n>          timed frames per payload, per round (default 3000)
  --warmup-frames <n>   untimed frames before each round (default 300)
  --rounds <n>          rounds, SFrame and baseline alternating first (default 3)
  --participants <n>    meeting size for the rotation figure (default 10)
  --output <file>       JSON results (default bench/results/e2ee-<timestamp>.json)`;

export const PAYLOADS = [
  { name: "vp8-key-720p", bytes: 30_000 },
  { name: "vp8-delta-720p", bytes: 4_000 },
  { name: "opus-20ms", bytes: 160 },
] as const;

export interface Figures {
  medianUs: number;
  p99Us: number;
}

export interface PayloadResult {
  payload: string;
  bytes: number;
  /** Bytes SFrame adds: header + tag. */
  overheadBytes: number;
  sframe: { encrypt: Figures; decrypt: Figures };
  baseline: { encrypt: Figures; decrypt: Figures };
  /** SFrame median / baseline median. */
  ratio: { encrypt: number; decrypt: number };
}

export interface RotationResult {
  participants: number;
  /** Pairwise channels for everyone (ECDH + HKDF per ordered pair), as on first meeting each other. */
  channelSetupMs: number;
  /** After one leaves: every remaining sender wraps a fresh key for each other, each unwraps its keys. */
  rotationMs: number;
  keyMessages: number;
}

export interface BenchResult {
  frames: number;
  rounds: number;
  results: PayloadResult[];
  rotation: RotationResult;
}

function figures(samplesUs: number[]): Figures {
  // Per-frame timings are a few µs: keep ns steps so the 0.1 µs rounding below stays meaningful.
  const histogram = histogramOfUs(samplesUs, { precisionUs: 0.001 });
  const at = (q: number) => histogram.percentileUs(q) ?? Number.NaN;
  return { medianUs: round(at(0.5)), p99Us: round(at(0.99)) };
}

const round = (value: number) => Math.round(value * 10) / 10;

/** Metadata like our routing header fields: sender, track, timestamp, key-frame flag (16 bytes). */
function metadataFor(frameIndex: number): Uint8Array<ArrayBuffer> {
  const metadata = new Uint8Array(16);
  const view = new DataView(metadata.buffer);
  view.setUint32(0, SENDER_ID);
  view.setUint16(4, 1);
  view.setBigUint64(6, BigInt(frameIndex) * 33_333n);
  metadata[14] = frameIndex % 60 === 0 ? 1 : 0;
  return metadata;
}

async function measureSFrame(bytes: number, frames: number, warmup: number) {
  const keys = new LocalSenderKeys(SENDER_ID);
  const encryptor = new FrameEncryptor(keys, 0);
  const ring = new ReceiverKeyRing();
  await ring.setKey(SENDER_ID, keys.current);
  const decryptor = new FrameDecryptor(ring);
  const plaintext = crypto.getRandomValues(new Uint8Array(bytes));
  const encryptUs: number[] = [];
  const decryptUs: number[] = [];
  let overheadBytes = 0;
  for (let i = 0; i < warmup + frames; i++) {
    const metadata = metadataFor(i);
    const started = performance.now();
    const sealed = await encryptor.encrypt(metadata, plaintext);
    const encrypted = performance.now();
    if (!sealed.ok) throw new Error(sealed.reason);
    const opened = await decryptor.decrypt(SENDER_ID, metadata, sealed.ciphertext);
    const decrypted = performance.now();
    if (opened.kind !== "frame") throw new Error(`frame ${i} did not decrypt: ${JSON.stringify(opened)}`);
    overheadBytes = sealed.ciphertext.length - bytes;
    if (i >= warmup) {
      encryptUs.push((encrypted - started) * 1000);
      decryptUs.push((decrypted - encrypted) * 1000);
    }
  }
  return { encryptUs, decryptUs, overheadBytes };
}

async function measureBaseline(bytes: number, frames: number, warmup: number) {
  const key = await crypto.subtle.importKey(
    "raw",
    crypto.getRandomValues(new Uint8Array(16)),
    "AES-GCM",
    false,
    ["encrypt", "decrypt"],
  );
  const plaintext = crypto.getRandomValues(new Uint8Array(bytes));
  const iv = new Uint8Array(12);
  const ivView = new DataView(iv.buffer);
  const encryptUs: number[] = [];
  const decryptUs: number[] = [];
  for (let i = 0; i < warmup + frames; i++) {
    ivView.setUint32(8, i);
    const started = performance.now();
    const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, plaintext);
    const encrypted = performance.now();
    await crypto.subtle.decrypt({ name: "AES-GCM", iv }, key, sealed);
    const decrypted = performance.now();
    if (i >= warmup) {
      encryptUs.push((encrypted - started) * 1000);
      decryptUs.push((decrypted - encrypted) * 1000);
    }
  }
  return { encryptUs, decryptUs };
}

export async function measureRotation(participants: number): Promise<RotationResult> {
  const identities = await Promise.all(Array.from({ length: participants }, () => generateIdentity()));
  const setupStarted = performance.now();
  // channels[i][j]: participant i's channel to participant j.
  const channels: (PairwiseChannel | undefined)[][] = [];
  for (let i = 0; i < participants; i++) {
    const row: (PairwiseChannel | undefined)[] = [];
    for (let j = 0; j < participants; j++) {
      row.push(
        i === j
          ? undefined
          : await PairwiseChannel.create(identities[i]!, i + 1, identities[j]!.publicKey, j + 1),
      );
    }
    channels.push(row);
  }
  const channelSetupMs = performance.now() - setupStarted;

  // Participant 0 leaves; the others rotate.
  const remaining = Array.from({ length: participants - 1 }, (_, i) => i + 1);
  const rotationStarted = performance.now();
  let keyMessages = 0;
  for (const sender of remaining) {
    const keys = new LocalSenderKeys(sender + 1);
    const fresh = keys.prepareRotation();
    for (const recipient of remaining) {
      if (recipient === sender) continue;
      const message = await channels[sender]![recipient]!.wrap(fresh);
      const opened = await channels[recipient]![sender]!.unwrap(message);
      if (!opened.ok) throw new Error(`rotation: ${opened.reason}`);
      keyMessages++;
    }
    keys.activate(fresh);
  }
  const rotationMs = performance.now() - rotationStarted;
  return { participants, channelSetupMs: round(channelSetupMs), rotationMs: round(rotationMs), keyMessages };
}

export async function runBench(
  frames: number,
  warmup: number,
  rounds: number,
  participants: number,
): Promise<BenchResult> {
  const results: PayloadResult[] = [];
  for (const payload of PAYLOADS) {
    const ours = { encryptUs: [] as number[], decryptUs: [] as number[] };
    const base = { encryptUs: [] as number[], decryptUs: [] as number[] };
    let overheadBytes = 0;
    for (let r = 0; r < rounds; r++) {
      const runOurs = async () => {
        const measured = await measureSFrame(payload.bytes, frames, warmup);
        ours.encryptUs.push(...measured.encryptUs);
        ours.decryptUs.push(...measured.decryptUs);
        overheadBytes = measured.overheadBytes;
      };
      const runBase = async () => {
        const measured = await measureBaseline(payload.bytes, frames, warmup);
        base.encryptUs.push(...measured.encryptUs);
        base.decryptUs.push(...measured.decryptUs);
      };
      if (r % 2 === 0) {
        await runOurs();
        await runBase();
      } else {
        await runBase();
        await runOurs();
      }
    }
    const sframe = { encrypt: figures(ours.encryptUs), decrypt: figures(ours.decryptUs) };
    const baseline = { encrypt: figures(base.encryptUs), decrypt: figures(base.decryptUs) };
    results.push({
      payload: payload.name,
      bytes: payload.bytes,
      overheadBytes,
      sframe,
      baseline,
      ratio: {
        encrypt: round(sframe.encrypt.medianUs / baseline.encrypt.medianUs),
        decrypt: round(sframe.decrypt.medianUs / baseline.decrypt.medianUs),
      },
    });
  }
  return { frames, rounds, results, rotation: await measureRotation(participants) };
}

function printTable(result: BenchResult): void {
  console.log(`E2EE per frame, µs (median / p99), ${result.frames} frames x ${result.rounds} rounds`);
  console.log(
    "payload          bytes  +bytes  sframe enc      base enc        ratio  sframe dec      base dec        ratio",
  );
  const cell = (f: Figures) => `${f.medianUs} / ${f.p99Us}`.padEnd(16);
  for (const r of result.results) {
    console.log(
      `${r.payload.padEnd(16)} ${String(r.bytes).padStart(5)}  ${String(r.overheadBytes).padStart(6)}  ` +
        `${cell(r.sframe.encrypt)}${cell(r.baseline.encrypt)}${String(r.ratio.encrypt).padEnd(7)}` +
        `${cell(r.sframe.decrypt)}${cell(r.baseline.decrypt)}${r.ratio.decrypt}`,
    );
  }
  const r = result.rotation;
  console.log(
    `rotation after a leave, ${r.participants} participants: ${r.keyMessages} key messages wrapped and unwrapped ` +
      `in ${r.rotationMs} ms (all participants' crypto in one process, no network); ` +
      `pairwise channel setup for everyone ${r.channelSetupMs} ms`,
  );
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      frames: { type: "string" },
      "warmup-frames": { type: "string" },
      rounds: { type: "string" },
      participants: { type: "string" },
      output: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const positive = (text: string | undefined, fallback: number, name: string) => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(value) || value < 1) {
      console.error(`--${name} must be a positive integer\n${USAGE}`);
      Deno.exit(2);
    }
    return value;
  };
  const frames = positive(values.frames, 3000, "frames");
  const warmup = positive(values["warmup-frames"], 300, "warmup-frames");
  const rounds = positive(values.rounds, 3, "rounds");
  const participants = positive(values.participants, 10, "participants");
  if (participants < 3) {
    console.error("--participants must be at least 3");
    Deno.exit(2);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const outputPath = values.output ?? `${ROOT}bench/results/e2ee-${stamp}.json`;
  const result = await runBench(frames, warmup, rounds, participants);
  printTable(result);
  await Deno.mkdir(new URL(".", `file://${outputPath}`), { recursive: true }).catch(() => {});
  await Deno.writeTextFile(outputPath, JSON.stringify(result, null, 2));
  console.log(`results: ${outputPath}`);
}
