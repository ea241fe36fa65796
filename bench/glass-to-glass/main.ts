/**
 * Glass-to-glass benchmark: how long a video frame takes from the sender's canvas to the
 * receiver's screen, in headless Chromium, for our call over WebTransport, our call over
 * WebSocket, and a plain RTCPeerConnection call (Chromium's WebRTC, the anchor), in one run.
 *
 *   deno run --config deno.json -A --unstable-net bench/glass-to-glass/main.ts [--seconds 15] [--runs 3]
 *     [--warmup-seconds 2] [--modes webtransport,websocket,webrtc] [--output file.json]
 *
 * Per run and mode (the order rotates between runs): a sender page draws the time as a barcode
 * into a captured canvas and publishes it; a receiver page opens, joins and reads the barcode back
 * from what it renders. See README.md for what the figures mean and where they stop being true.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { histogramOfMs, type LatencyHistogram } from "../../packages/cli/src/load/latency-histogram.ts";
import { BASE_ARGS, CHROMIUM_PATH, FAKE_DEVICE_ARGS } from "../../test/fixtures/browser.ts";
import { startServer, type TestServer } from "../../test/fixtures/server.ts";
import { viteBuild } from "../../test/fixtures/vite-build.ts";
import type { BenchMode, CallTarget, ReceiverWindow, SenderStats } from "./bench-api.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MODES: readonly BenchMode[] = [
  "webtransport",
  "websocket",
  "webrtc",
  "webtransport-e2ee",
  "websocket-fallback",
  "websocket-remembered",
];
/** The modes run when --modes is not given (webtransport-e2ee on request: `--modes webtransport,webtransport-e2ee`). */
const DEFAULT_MODES: readonly BenchMode[] = ["webtransport", "websocket", "webrtc"];
const FIRST_FRAME_TIMEOUT_MS = 20_000;
const CLOCK_PROBES = 15;
const ATTEMPTS = 3;

const USAGE = `Usage: deno run --config deno.json -A --unstable-net bench/glass-to-glass/main.ts [options]
  --seconds <s>          measuring window per mode and run (default 15)
  --warmup-seconds <s>   after the first frame, before the window (default 2)
  --runs <n>             runs; the order of modes rotates between runs; medians reported (default 3)
  --modes <list>         comma-separated, of ${MODES.join(",")} (default ${DEFAULT_MODES.join(",")})
  --output <file>        JSON results (default bench/results/glass-to-glass-<timestamp>.json)`;

/** The test fixtures' flags, plus real host ICE candidates instead of mDNS names for WebRTC. */
export const CHROMIUM_ARGS = [
  ...BASE_ARGS,
  ...FAKE_DEVICE_ARGS,
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];

/** One mode in one run. Latencies are corrected for the clock offset between the two pages. */
export interface Measurement {
  mode: BenchMode;
  run: number;
  /** What the sessions really connected over (our call), or "webrtc". */
  transport: string;
  samples: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** Our call only: sender's encoder took the frame → packet on the receiver page (see ReceiverWindow). */
  arrivalP50Ms: number;
  arrivalP95Ms: number;
  /** Distinct frames read back per second of the window. */
  receivedFps: number;
  /** Frames the sender's encoder produced per second of the window. */
  encodedFps: number;
  /** Receiver page opened (navigation start) → first barcode read back from a rendered frame. */
  joinMs: number;
  rejectedReads: number;
  /** Receiver clock − sender clock, measured through Playwright, and its ± bound. */
  clockOffsetMs: number;
  clockUncertaintyMs: number;
  windowSeconds: number;
  /** /proc/loadavg (1 min) at the end of the window: the machine is shared, so read figures with it. */
  loadAverage: number;
  /** Pipeline counters at the end of the window (publisher, session, peer), to explain a figure. */
  senderDiagnostics: Record<string, number | string | undefined>;
  receiverDiagnostics: Record<string, number | string | undefined>;
}

/** Medians over runs for one mode. */
export interface Summary {
  mode: BenchMode;
  runs: number;
  samples: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  receivedFps: number;
  joinMs: number;
}

/** A mode's medians divided by WebRTC's (latency and join: > 1 is slower; fps: < 1 is fewer). */
export interface Ratios {
  mode: BenchMode;
  latencyP50: number;
  latencyP95: number;
  latencyP99: number;
  receivedFps: number;
  joinMs: number;
}

export interface BenchResult {
  startedAt: string;
  options: { seconds: number; warmupSeconds: number; runs: number; modes: BenchMode[] };
  measurements: Measurement[];
  /** Attempts that failed and were retried. */
  failures: Array<{ mode: BenchMode; run: number; error: string }>;
  summaries: Summary[];
  ratios: Ratios[];
}

interface Options {
  seconds: number;
  warmupSeconds: number;
  runs: number;
  modes: BenchMode[];
  output: string;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seconds: { type: "string", default: "15" },
      "warmup-seconds": { type: "string", default: "2" },
      runs: { type: "string", default: "3" },
      modes: { type: "string", default: DEFAULT_MODES.join(",") },
      output: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const positive = (name: string, text: string): number => {
    const value = Number(text);
    if (!(value > 0)) throw new UsageError(`--${name} must be a positive number, got "${text}"`);
    return value;
  };
  const modes = values.modes.split(",").map((mode) => mode.trim());
  for (const mode of modes) {
    if (!MODES.includes(mode as BenchMode)) throw new UsageError(`unknown mode "${mode}"`);
  }
  const stamp = new Date().toISOString().replaceAll(":", "-").replace(/\..*/, "");
  return {
    seconds: positive("seconds", values.seconds),
    warmupSeconds: Number(values["warmup-seconds"]),
    runs: Math.round(positive("runs", values.runs)),
    modes: modes as BenchMode[],
    output: values.output ?? `${ROOT}bench/results/glass-to-glass-${stamp}.json`,
  };
}

class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Builds the bench page (page/, with the app's client code) into a private folder, so the run
 * measures the current sources. The app's own build (packages/web) has no bench code.
 */
export async function buildBenchPage(outDir: string): Promise<void> {
  await viteBuild("bench/glass-to-glass/page/vite.config.ts", outDir);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface BenchPage {
  page: Page;
  errors: string[];
}

export async function openBenchPage(
  context: BrowserContext,
  serverUrl: string,
  role: string,
): Promise<BenchPage> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`${role} pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`${role} console: ${message.text()}`);
  });
  await page.goto(`${serverUrl}/bench.html`);
  await page.waitForFunction(() => window.bench !== undefined);
  return { page, errors };
}

/**
 * Receiver clock − sender clock: the receiver's reading against the midpoint of two sender
 * readings around it, from the probe with the shortest round trip (its half is the bound).
 */
export async function measureClockOffset(
  sender: Page,
  receiver: Page,
): Promise<{ offsetMs: number; uncertaintyMs: number }> {
  let best = { offsetMs: 0, uncertaintyMs: Number.POSITIVE_INFINITY };
  for (let probe = 0; probe < CLOCK_PROBES; probe++) {
    const before = await sender.evaluate(() => window.bench.clockMs());
    const at = await receiver.evaluate(() => window.bench.clockMs());
    const after = await sender.evaluate(() => window.bench.clockMs());
    const uncertaintyMs = (after - before) / 2;
    if (uncertaintyMs < best.uncertaintyMs) best = { offsetMs: at - (before + after) / 2, uncertaintyMs };
  }
  return best;
}

export async function loadAverage(): Promise<number> {
  try {
    return Number((await Deno.readTextFile("/proc/loadavg")).split(" ")[0]);
  } catch {
    return Number.NaN;
  }
}

export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  poll: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await poll();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** A UDP socket that swallows everything: the WebTransport port of a network that drops QUIC. */
let quicBlackHole: Deno.DatagramConn | undefined;

/**
 * The receiver's WebTransport goes to the black hole (its /api/webtransport answer names that port),
 * as where a network drops QUIC: the handshake gets no answer. `remembered`: the page's localStorage
 * already says WebSocket joined this server (a later visit), in the client's format (transport-memory.ts).
 */
async function dropQuicFor(context: BrowserContext, serverUrl: string, remembered: boolean): Promise<void> {
  if (!quicBlackHole) {
    const hole = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    quicBlackHole = hole;
    (async () => {
      for await (const _ of hole) {
        // dropped
      }
    })().catch(() => {});
  }
  const port = (quicBlackHole.addr as Deno.NetAddr).port;
  await context.route("**/api/webtransport", async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: { ...(await response.json()), port } });
  });
  if (remembered) {
    await context.addInitScript((origin) => {
      localStorage.setItem(`videocall.transport.${origin}`, "websocket");
    }, new URL(serverUrl).origin);
  }
}

/** One mode, one run: fresh pages (own browser contexts), join, warm up, measure, leave. */
async function measureMode(
  browser: Browser,
  serverUrl: string,
  mode: BenchMode,
  run: number,
  options: Options,
): Promise<Measurement> {
  const senderContext = await browser.newContext();
  const receiverContext = await browser.newContext();
  const pages: BenchPage[] = [];
  try {
    const sender = await openBenchPage(senderContext, serverUrl, "sender");
    pages.push(sender);
    let receiver: BenchPage;
    let transport: string = mode;
    if (mode === "webrtc") {
      receiver = await openBenchPage(receiverContext, serverUrl, "receiver");
      pages.push(receiver);
      // Signalling through Playwright: complete offer and answer (no trickle ICE), host candidates.
      const offer = await sender.page.evaluate(() => window.bench.createWebRtcOffer());
      const answer = await receiver.page.evaluate((sdp) => window.bench.answerWebRtcOffer(sdp), offer);
      await sender.page.evaluate((sdp) => window.bench.acceptWebRtcAnswer(sdp), answer);
    } else {
      const meetingId = `g2g-${mode}-${run}-${crypto.randomUUID().slice(0, 8)}`;
      const fallback = mode === "websocket-fallback" || mode === "websocket-remembered";
      const callMode = mode === "webtransport-e2ee" ? "webtransport" : fallback ? "websocket" : mode;
      const e2ee = mode === "webtransport-e2ee";
      const target = (username: string): CallTarget => ({
        mode: callMode,
        e2ee,
        serverUrl,
        meetingId,
        username,
      });
      if (fallback) await dropQuicFor(receiverContext, serverUrl, mode === "websocket-remembered");
      transport = await sender.page.evaluate((t) => window.bench.startCallSender(t), target("sender"));
      // A receiver joins a call already under way: wait until the sender draws its barcode. Not
      // until it encodes: the relay's LayerDemand stops a publisher's encoder while nobody watches.
      await waitFor("the sender's first drawn frame", FIRST_FRAME_TIMEOUT_MS, async () => {
        const stats = await sender.page.evaluate(() => window.bench.senderStats());
        return stats.framesDrawn > 0 ? true : undefined;
      });
      receiver = await openBenchPage(receiverContext, serverUrl, "receiver");
      pages.push(receiver);
      const received = await receiver.page.evaluate((t) => window.bench.startCallReceiver(t), {
        ...target("receiver"),
        auto: fallback,
      });
      if (transport !== callMode || received !== callMode) {
        throw new Error(`${mode} run connected over ${transport} (sender) and ${received} (receiver)`);
      }
    }
    const joinMs = await waitFor("the first remote frame", FIRST_FRAME_TIMEOUT_MS, () =>
      receiver.page.evaluate(() => window.bench.firstFrameAfterMs()),
    );
    const clock = await measureClockOffset(sender.page, receiver.page);
    await sleep(options.warmupSeconds * 1000);

    const senderBefore: SenderStats = await sender.page.evaluate(() => window.bench.senderStats());
    await receiver.page.evaluate(() => window.bench.beginWindow());
    await sleep(options.seconds * 1000);
    const readBack: ReceiverWindow = await receiver.page.evaluate(() => window.bench.endWindow());
    const senderAfter: SenderStats = await sender.page.evaluate(() => window.bench.senderStats());
    const senderDiagnostics = await sender.page.evaluate(() => window.bench.diagnostics());
    const receiverDiagnostics = await receiver.page.evaluate(() => window.bench.diagnostics());
    await receiver.page.evaluate(() => window.bench.stop());
    await sender.page.evaluate(() => window.bench.stop());

    const latencies = histogramOfMs(readBack.latenciesMs.map((ms) => ms - clock.offsetMs));
    const arrivals = histogramOfMs(readBack.arrivalLatenciesMs.map((ms) => ms - clock.offsetMs));
    const percentile = (histogram: LatencyHistogram, fraction: number) =>
      histogram.percentileMs(fraction) ?? Number.NaN;
    const windowSeconds = readBack.windowMs / 1000;
    return {
      mode,
      run,
      transport,
      samples: latencies.count,
      latencyP50Ms: percentile(latencies, 0.5),
      latencyP95Ms: percentile(latencies, 0.95),
      latencyP99Ms: percentile(latencies, 0.99),
      latencyMaxMs: latencies.maxMs ?? Number.NaN,
      arrivalP50Ms: percentile(arrivals, 0.5),
      arrivalP95Ms: percentile(arrivals, 0.95),
      receivedFps: latencies.count / windowSeconds,
      encodedFps: (senderAfter.framesEncoded - senderBefore.framesEncoded) / windowSeconds,
      joinMs,
      rejectedReads: readBack.rejectedReads,
      clockOffsetMs: clock.offsetMs,
      clockUncertaintyMs: clock.uncertaintyMs,
      windowSeconds,
      loadAverage: await loadAverage(),
      senderDiagnostics,
      receiverDiagnostics,
    };
  } catch (error) {
    const errors = pages.flatMap((page) => page.errors);
    throw new Error(`${mode}, run ${run}: ${String(error)}${errors.length ? `\n${errors.join("\n")}` : ""}`, {
      cause: error,
    });
  } finally {
    await senderContext.close();
    await receiverContext.close();
  }
}

export function summarize(measurements: readonly Measurement[], modes: readonly BenchMode[]): Summary[] {
  return modes.map((mode) => {
    const own = measurements.filter((m) => m.mode === mode);
    const med = (pick: (m: Measurement) => number) => median(own.map(pick));
    return {
      mode,
      runs: own.length,
      samples: own.reduce((total, m) => total + m.samples, 0),
      latencyP50Ms: med((m) => m.latencyP50Ms),
      latencyP95Ms: med((m) => m.latencyP95Ms),
      latencyP99Ms: med((m) => m.latencyP99Ms),
      receivedFps: med((m) => m.receivedFps),
      joinMs: med((m) => m.joinMs),
    };
  });
}

export function ratiosToWebRtc(summaries: readonly Summary[]): Ratios[] {
  const anchor = summaries.find((s) => s.mode === "webrtc");
  if (!anchor) return [];
  return summaries
    .filter((s) => s.mode !== "webrtc")
    .map((s) => ({
      mode: s.mode,
      latencyP50: s.latencyP50Ms / anchor.latencyP50Ms,
      latencyP95: s.latencyP95Ms / anchor.latencyP95Ms,
      latencyP99: s.latencyP99Ms / anchor.latencyP99Ms,
      receivedFps: s.receivedFps / anchor.receivedFps,
      joinMs: s.joinMs / anchor.joinMs,
    }));
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) => cells.map((cell, column) => cell.padStart(widths[column]!)).join("  ");
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "-");

export function report(result: BenchResult): string {
  const perRun = table(
    [
      "mode",
      "run",
      "p50 ms",
      "p95 ms",
      "p99 ms",
      "max ms",
      "arrive p50/p95",
      "fps",
      "enc fps",
      "join ms",
      "samples",
      "rejected",
      "clock ±ms",
      "load",
    ],
    result.measurements.map((m) => [
      m.mode,
      String(m.run),
      fixed(m.latencyP50Ms),
      fixed(m.latencyP95Ms),
      fixed(m.latencyP99Ms),
      fixed(m.latencyMaxMs),
      Number.isFinite(m.arrivalP50Ms) ? `${fixed(m.arrivalP50Ms)}/${fixed(m.arrivalP95Ms)}` : "-",
      fixed(m.receivedFps),
      fixed(m.encodedFps),
      fixed(m.joinMs, 0),
      String(m.samples),
      String(m.rejectedReads),
      `${fixed(m.clockOffsetMs, 2)}±${fixed(m.clockUncertaintyMs, 2)}`,
      fixed(m.loadAverage),
    ]),
  );
  const summary = table(
    ["mode", "runs", "p50 ms", "p95 ms", "p99 ms", "fps", "join ms", "samples"],
    result.summaries.map((s) => [
      s.mode,
      String(s.runs),
      fixed(s.latencyP50Ms),
      fixed(s.latencyP95Ms),
      fixed(s.latencyP99Ms),
      fixed(s.receivedFps),
      fixed(s.joinMs, 0),
      String(s.samples),
    ]),
  );
  const ratios = table(
    ["mode / webrtc", "p50", "p95", "p99", "fps", "join"],
    result.ratios.map((r) => [
      r.mode,
      fixed(r.latencyP50, 2),
      fixed(r.latencyP95, 2),
      fixed(r.latencyP99, 2),
      fixed(r.receivedFps, 2),
      fixed(r.joinMs, 2),
    ]),
  );
  const o = result.options;
  return [
    `glass-to-glass, ${o.seconds} s window after ${o.warmupSeconds} s warm-up, ${o.runs} run(s); per run:`,
    perRun,
    "",
    "medians over runs:",
    summary,
    ...(result.ratios.length
      ? ["", "ratios to WebRTC (latency, join: > 1 is slower; fps: < 1 is fewer):", ratios]
      : []),
  ].join("\n");
}

async function main(): Promise<void> {
  const options = parseOptions();
  const startedAt = new Date().toISOString();
  const webRoot = await Deno.makeTempDir({ prefix: "glass-to-glass-web-" });
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  const cleanUp = async () => {
    await browser?.close().catch(() => {});
    browser = undefined;
    await server?.stop();
    server = undefined;
    await Deno.remove(webRoot, { recursive: true }).catch(() => {});
  };
  const onInterrupt = () => {
    console.error("interrupted: closing the browser and the server");
    void cleanUp().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  const measurements: Measurement[] = [];
  const failures: BenchResult["failures"] = [];
  try {
    await buildBenchPage(webRoot);
    server = await startServer({ extraArgs: ["--web-root", webRoot] });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    for (let run = 1; run <= options.runs; run++) {
      // Rotate the order so that no mode always goes first (a cold browser) or last.
      const shift = (run - 1) % options.modes.length;
      const order = [...options.modes.slice(shift), ...options.modes.slice(0, shift)];
      for (const mode of order) {
        let measurement: Measurement | undefined;
        // A failed attempt (e.g. a failed join) is recorded and retried, so a transient error does
        // not throw away the other modes' figures; after the last attempt the mode misses this run.
        for (let attempt = 1; attempt <= ATTEMPTS && !measurement; attempt++) {
          try {
            measurement = await measureMode(browser, server.url, mode, run, options);
          } catch (error) {
            failures.push({ mode, run, error: String(error) });
            console.error(
              `run ${run} ${mode}, attempt ${attempt}/${ATTEMPTS} failed: ${String(error).split("\n")[0]}`,
            );
          }
        }
        if (!measurement) continue;
        measurements.push(measurement);
        console.error(
          `run ${run} ${mode}: p50 ${fixed(measurement.latencyP50Ms)} ms, ${fixed(measurement.receivedFps)} fps, ` +
            `join ${fixed(measurement.joinMs, 0)} ms, ${measurement.samples} samples`,
        );
      }
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    await cleanUp();
    quicBlackHole?.close();
  }
  const summaries = summarize(measurements, options.modes);
  const result: BenchResult = {
    startedAt,
    options: {
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      runs: options.runs,
      modes: options.modes,
    },
    measurements,
    failures,
    summaries,
    ratios: ratiosToWebRtc(summaries),
  };
  console.log(report(result));
  const plain = summaries.find((s) => s.mode === "webtransport");
  const encrypted = summaries.find((s) => s.mode === "webtransport-e2ee");
  if (plain && encrypted) {
    console.log(
      `\nE2EE on / off (WebTransport, same run): p50 ${fixed(encrypted.latencyP50Ms / plain.latencyP50Ms, 3)}x, ` +
        `p95 ${fixed(encrypted.latencyP95Ms / plain.latencyP95Ms, 3)}x, p99 ${fixed(encrypted.latencyP99Ms / plain.latencyP99Ms, 3)}x, ` +
        `fps ${fixed(encrypted.receivedFps / plain.receivedFps, 3)}x (goal: p50 <= 1.05x)`,
    );
  }
  for (const failure of failures)
    console.log(`retried: ${failure.mode}, run ${failure.run}: ${failure.error.split("\n")[0]}`);
  await Deno.mkdir(new URL(".", `file://${options.output}`), { recursive: true });
  await Deno.writeTextFile(options.output, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nresults: ${options.output}`);
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${USAGE}`);
      Deno.exit(2);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    Deno.exit(1);
  }
}
