/**
 * Bad-network benchmark (issue 13 item 6): our call over WebTransport and over WebSocket, and a
 * plain WebRTC call (the anchor), in headless Chromium with the glass-to-glass page and barcode,
 * through the impairment proxy, per profile, with ratios to WebRTC. Our call crosses the proxy
 * twice (sender → relay, relay → receiver; the relay advertises the proxy's UDP port); WebRTC
 * crosses a chain of two proxies with the same profile (webrtc-path.ts). Both send steady noise
 * for the audio concealment ratio; after the window, a few seconds more with a flash of the
 * picture and a beep in the sound once a second give the A/V skew.
 *
 *   deno run --config deno.json -A --unstable-net bench/bad-network/main.ts [--seconds 10]
 *     [--profiles clean,loss-3-rtt-150,bursty-10,cap-500k,jitter-50,cpu,cap-schedule]
 *     [--modes webtransport,websocket,webrtc] [--audio on|off] [--skew-seconds 6]
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Browser, type BrowserContext, chromium } from "playwright-core";
import { histogramOfMs } from "../../packages/cli/src/load/latency-histogram.ts";
import { pairSkewsMs, type SkewSummary, summarizeSkews } from "../../test/fixtures/av-probe/flash-beep.ts";
import { CHROMIUM_PATH } from "../../test/fixtures/browser.ts";
import { type ImpairedServer, startImpairedServer } from "../../test/fixtures/impaired-server.ts";
import type { RunningSchedule, ScheduleStep } from "../../tools/impairment-proxy/profile-schedule.ts";
import type { CallMode, CallTarget, ReceiverWindow } from "../glass-to-glass/bench-api.ts";
import {
  type BenchPage,
  buildBenchPage,
  CHROMIUM_ARGS,
  loadAverage,
  measureClockOffset,
  openBenchPage,
  waitFor,
} from "../glass-to-glass/main.ts";
import { startCallDiagnostics } from "./call-diagnostics.ts";
import { startCpuLoad } from "./cpu-load.ts";
import { type FrameSample, freezeRatio, recoveryAfterMs } from "./frame-timeline.ts";
import { startPageProfile } from "./page-profiler.ts";
import { type RatiosToWebRtc, ratiosToWebRtc } from "./ratios.ts";
import {
  firstUdpHostCandidate,
  WebRtcImpairedPath,
  withOnlyCandidate,
  withoutCandidates,
} from "./webrtc-path.ts";

/** Our call over one transport, or the WebRTC anchor. */
export type BadNetworkMode = CallMode | "webrtc";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** `cpu`: a clean network with one busy-looping process per core (cpu-load.ts). */
const CPU_PROFILE = "cpu";
/**
 * `cap-schedule`: issue 13's cap, 2 Mbit/s → 300 kbit/s → 2 Mbit/s, each a third of the window
 * (proxy.playSchedule, presets cap-2m / cap-300k); the warm-up runs at 2 Mbit/s.
 */
const CAP_SCHEDULE_PROFILE = "cap-schedule";
/** Flashes come once a second: a flash and a beep further apart than this are not one pair. */
const MAX_PAIRING_MS = 450;
const DEFAULT_SKEW_SECONDS = 6;

/** The proxy profile a bench profile starts with (before any schedule). */
function initialProxyProfile(profile: string): string {
  if (profile === CPU_PROFILE) return "clean";
  if (profile === CAP_SCHEDULE_PROFILE) return "cap-2m";
  return profile;
}

export interface BadNetworkRow {
  profile: string;
  mode: BadNetworkMode;
  samples: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  freezeRatio: number;
  /** Share of the receiver's audio in the window that was concealed (steady noise is sent). */
  audioConcealmentRatio: number;
  /**
   * A/V skew, video − audio (positive: the picture comes late), over the flash/beep pairs of the
   * skew window that follows the main one: median and largest |skew|; NaN without audio or pairs.
   */
  avSkewMedianMs: number;
  avSkewMaxAbsMs: number;
  avSkewPairs: number;
  /** Packets the proxy carried both ways during the call: proof the call crossed it. */
  proxyPacketsIn: number;
  loadAverage: number;
  /**
   * cap-schedule only: ms from the cap lifting to the first whole second of frames back near the
   * uncapped first third of the same window (latency ≤ 1.5 × its p95, fps ≥ 0.8 × its fps);
   * null if it did not recover before the window ended, undefined for other profiles.
   */
  recoveryAfterMs?: number | null;
}

export interface RunOptions {
  seconds: number;
  warmupSeconds: number;
  profiles: string[];
  modes: BadNetworkMode[];
  /**
   * Send and play audio (default): the real call, where lip sync holds video for its sound. Off:
   * video alone, the pipelines compared without either side's audio path.
   */
  audio?: boolean;
  /**
   * With audio: seconds of flashes and beeps after the window, for the A/V skew (0: none). Apart
   * from the window, since a beep changes the sound the concealment ratio is measured on: Opus's
   * DTX stopped sending the noise after loud beeps.
   */
  skewSeconds?: number;
  /** Print both pages' pipeline figures every 2 s of a window, and each stage's median and p95 after it (call-diagnostics.ts). */
  diagnostics?: boolean;
  /** Write each page's main-thread JS profile of every window here, and print its top functions. */
  cpuProfileDir?: string;
}

export async function runBadNetwork(options: RunOptions): Promise<BadNetworkRow[]> {
  const webRoot = await Deno.makeTempDir({ prefix: "bad-network-web-" });
  const rows: BadNetworkRow[] = [];
  await buildBenchPage(webRoot);
  const impaired = await startImpairedServer({ extraArgs: ["--web-root", webRoot] });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  try {
    for (const profile of options.profiles) {
      for (const mode of options.modes) {
        impaired.proxy.setProfile(initialProxyProfile(profile));
        const load = profile === CPU_PROFILE ? startCpuLoad() : undefined;
        try {
          rows.push(await measureCall(browser, impaired, profile, mode, options));
        } finally {
          await load?.stop();
        }
        const row = rows.at(-1)!;
        console.error(
          `${profile} ${mode}: p50 ${row.latencyP50Ms.toFixed(0)} ms, freeze ${(row.freezeRatio * 100).toFixed(1)} %`,
        );
      }
    }
  } finally {
    await browser.close().catch(() => {});
    await impaired.stop();
    await Deno.remove(webRoot, { recursive: true }).catch(() => {});
  }
  return rows;
}

async function measureCall(
  browser: Browser,
  impaired: ImpairedServer,
  profile: string,
  mode: BadNetworkMode,
  options: RunOptions,
): Promise<BadNetworkRow> {
  const senderContext = await browser.newContext();
  const receiverContext = await browser.newContext();
  const audio = options.audio ?? true;
  let call: ConnectedCall | undefined;
  try {
    call =
      mode === "webrtc"
        ? await connectWebRtc(senderContext, receiverContext, impaired, initialProxyProfile(profile), audio)
        : await connectOurCall(senderContext, receiverContext, impaired, profile, mode, audio);
    const { sender, receiver } = call;
    const packetsBefore = call.packetsIn();
    await waitFor("the first remote frame", 30_000, () =>
      receiver.page.evaluate(() => window.bench.firstFrameAfterMs()),
    );
    const clock = await measureClockOffset(sender.page, receiver.page);
    await new Promise((resolve) => setTimeout(resolve, options.warmupSeconds * 1000));
    const startMs = await receiver.page.evaluate(() => window.bench.clockMs());
    const audioBefore = await receiver.page.evaluate(() => window.bench.audioCounters());
    await receiver.page.evaluate(() => window.bench.beginWindow());
    const stepMs = (options.seconds * 1000) / 3;
    const schedule =
      profile === CAP_SCHEDULE_PROFILE
        ? call.playSchedule([
            { profile: "cap-2m", durationMs: stepMs },
            { profile: "cap-300k", durationMs: stepMs },
            { profile: "cap-2m", durationMs: stepMs },
          ])
        : undefined;
    const profiles = options.cpuProfileDir
      ? await Promise.all([startPageProfile(sender.page), startPageProfile(receiver.page)])
      : undefined;
    const diagnostics = options.diagnostics
      ? startCallDiagnostics(sender.page, receiver.page, `${profile} ${mode}`)
      : undefined;
    await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
    await diagnostics?.stop();
    if (profiles && options.cpuProfileDir) {
      for (const [index, role] of ["sender", "receiver"].entries()) {
        const top = await profiles[index]!.stop(`${options.cpuProfileDir}/${profile}-${mode}-${role}`);
        console.error(`${profile} ${mode} ${role} main thread, self time:\n  ${top.join("\n  ")}`);
      }
    }
    schedule?.stop();
    const readBack: ReceiverWindow = await receiver.page.evaluate(() => window.bench.endWindow());
    const audioAfter = await receiver.page.evaluate(() => window.bench.audioCounters());
    const played = audioAfter.played - audioBefore.played;
    const concealed = audioAfter.concealed - audioBefore.concealed;
    const skew = await measureSkew(call, audio ? (options.skewSeconds ?? DEFAULT_SKEW_SECONDS) : 0);
    await receiver.page.evaluate(() => window.bench.stop());
    await sender.page.evaluate(() => window.bench.stop());
    const proxyPacketsIn = call.packetsIn() - packetsBefore;
    const latencies = histogramOfMs(readBack.latenciesMs.map((ms) => ms - clock.offsetMs));
    return {
      profile,
      mode,
      samples: latencies.count,
      latencyP50Ms: latencies.percentileMs(0.5) ?? Number.NaN,
      latencyP95Ms: latencies.percentileMs(0.95) ?? Number.NaN,
      freezeRatio: freezeRatio(readBack.frameTimesMs, startMs, startMs + readBack.windowMs),
      audioConcealmentRatio: played + concealed > 0 ? concealed / (played + concealed) : Number.NaN,
      avSkewMedianMs: skew.medianMs,
      avSkewMaxAbsMs: skew.count > 0 ? skew.maxAbsMs : Number.NaN,
      avSkewPairs: skew.count,
      proxyPacketsIn,
      loadAverage: await loadAverage(),
      ...(schedule ? { recoveryAfterMs: capRecoveryMs(readBack, clock.offsetMs, startMs, stepMs) } : {}),
    };
  } finally {
    call?.close();
    await senderContext.close();
    await receiverContext.close();
  }
}

/**
 * The A/V skew over `seconds` of flashes and beeps. Both onsets are on the receiver's clock; a
 * flash pairs with the nearest beep within less than half the period.
 */
async function measureSkew(call: ConnectedCall, seconds: number): Promise<SkewSummary> {
  if (seconds <= 0) return summarizeSkews([]);
  const startMs = await call.receiver.page.evaluate(() => window.bench.clockMs());
  await call.sender.page.evaluate(() => window.bench.startFlashing());
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const onsets = await call.receiver.page.evaluate(() => window.bench.flashBeepOnsets());
  return summarizeSkews(
    pairSkewsMs(
      onsets.flashesSeenMs.filter((ms) => ms >= startMs),
      onsets.beepsHeardMs.filter((ms) => ms >= startMs),
      MAX_PAIRING_MS,
    ),
  );
}

/** A call whose pages are up and whose path crosses the impairment proxy. */
interface ConnectedCall {
  sender: BenchPage;
  receiver: BenchPage;
  /** Datagrams and segments the proxies on the path took in so far, both ways. */
  packetsIn(): number;
  playSchedule(steps: readonly ScheduleStep[]): RunningSchedule;
  close(): void;
}

async function connectOurCall(
  senderContext: BrowserContext,
  receiverContext: BrowserContext,
  impaired: ImpairedServer,
  profile: string,
  mode: CallMode,
  audio: boolean,
): Promise<ConnectedCall> {
  const meetingId = `bad-${profile}-${mode}-${crypto.randomUUID().slice(0, 8)}`;
  const target = (username: string): CallTarget => ({
    mode,
    serverUrl: impaired.url,
    meetingId,
    username,
    audio,
  });
  const sender = await openBenchPage(senderContext, impaired.url, "sender");
  const sent = await sender.page.evaluate((t) => window.bench.startCallSender(t), target("sender"));
  const receiver = await openBenchPage(receiverContext, impaired.url, "receiver");
  const received = await receiver.page.evaluate((t) => window.bench.startCallReceiver(t), target("receiver"));
  if (sent !== mode || received !== mode) throw new Error(`${mode} call connected over ${sent}/${received}`);
  return {
    sender,
    receiver,
    packetsIn: () => {
      const { up, down } = impaired.proxy.counters();
      return up.packetsIn + down.packetsIn;
    },
    playSchedule: (steps) => impaired.proxy.playSchedule(steps),
    close: () => {},
  };
}

/** The anchor: an RTCPeerConnection between the two pages, its only path through two proxies. */
async function connectWebRtc(
  senderContext: BrowserContext,
  receiverContext: BrowserContext,
  impaired: ImpairedServer,
  proxyProfile: string,
  audio: boolean,
): Promise<ConnectedCall> {
  // The pages load from the relay directly: only the peer connection crosses the proxies.
  const sender = await openBenchPage(senderContext, impaired.server.url, "sender");
  const receiver = await openBenchPage(receiverContext, impaired.server.url, "receiver");
  const offer = await sender.page.evaluate((withAudio) => window.bench.createWebRtcOffer(withAudio), audio);
  const answer = await receiver.page.evaluate(
    (sdp) => window.bench.answerWebRtcOffer(sdp),
    withoutCandidates(offer),
  );
  const candidate = firstUdpHostCandidate(answer);
  if (!candidate) throw new Error(`the receiver's answer has no IPv4 UDP host candidate:\n${answer}`);
  const path = new WebRtcImpairedPath(candidate, proxyProfile);
  try {
    await sender.page.evaluate(
      (sdp) => window.bench.acceptWebRtcAnswer(sdp),
      withOnlyCandidate(answer, path.entry),
    );
  } catch (error) {
    path.close();
    throw error;
  }
  return {
    sender,
    receiver,
    packetsIn: () => path.packetsIn(),
    playSchedule: (steps) => path.playSchedule(steps),
    close: () => path.close(),
  };
}

/** Recovery after the cap lifts (at startMs + 2 steps), judged against the window's first, uncapped step. */
function capRecoveryMs(
  readBack: ReceiverWindow,
  clockOffsetMs: number,
  startMs: number,
  stepMs: number,
): number | null {
  const samples: FrameSample[] = readBack.frameTimesMs.map((shownMs, i) => ({
    shownMs,
    latencyMs: readBack.latenciesMs[i]! - clockOffsetMs,
  }));
  const uncapped = samples.filter((s) => s.shownMs < startMs + stepMs);
  const uncappedP95 = histogramOfMs(uncapped.map((s) => s.latencyMs)).percentileMs(0.95);
  if (uncappedP95 === undefined) return null;
  const uncappedFps = uncapped.length / (stepMs / 1000);
  return (
    recoveryAfterMs(samples, startMs + 2 * stepMs, {
      maxLatencyMs: 1.5 * uncappedP95,
      minFps: 0.8 * uncappedFps,
    }) ?? null
  );
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seconds: { type: "string", default: "10" },
      "warmup-seconds": { type: "string", default: "2" },
      profiles: {
        type: "string",
        default: `clean,loss-3-rtt-150,bursty-10,cap-500k,jitter-50,${CPU_PROFILE},${CAP_SCHEDULE_PROFILE}`,
      },
      modes: { type: "string", default: "webtransport,websocket,webrtc" },
      audio: { type: "string", default: "on" },
      diagnostics: { type: "boolean", default: false },
      "cpu-profile": { type: "string" },
      "skew-seconds": { type: "string", default: String(DEFAULT_SKEW_SECONDS) },
    },
  });
  const rows = await runBadNetwork({
    seconds: Number(values.seconds),
    warmupSeconds: Number(values["warmup-seconds"]),
    profiles: values.profiles.split(","),
    modes: values.modes.split(",") as BadNetworkMode[],
    audio: values.audio !== "off",
    diagnostics: values.diagnostics,
    cpuProfileDir: values["cpu-profile"],
    skewSeconds: Number(values["skew-seconds"]),
  });
  const ratio = (value: number | null | undefined) =>
    value === undefined ? "-" : value === null ? "n/a" : `${value.toFixed(2)}×`;
  console.log(
    "profile\tmode\tp50 ms\tp95 ms\tfreeze %\tframes\tconceal %\tA/V skew median ms\tmax |skew| ms\tpairs\tproxy packets\tload\trecovery ms\tp50/webrtc\tp95/webrtc\tfreeze/webrtc\tframes/webrtc\tconceal/webrtc\tmax |skew|/webrtc",
  );
  const withRatios: Array<BadNetworkRow & { vsWebRtc?: RatiosToWebRtc }> = [];
  for (const r of rows) {
    const vsWebRtc = ratiosToWebRtc(r, rows);
    withRatios.push(vsWebRtc ? { ...r, vsWebRtc } : r);
    console.log(
      [
        r.profile,
        r.mode,
        r.latencyP50Ms.toFixed(0),
        r.latencyP95Ms.toFixed(0),
        (r.freezeRatio * 100).toFixed(1),
        r.samples,
        (r.audioConcealmentRatio * 100).toFixed(1),
        r.avSkewMedianMs.toFixed(1),
        r.avSkewMaxAbsMs.toFixed(0),
        r.avSkewPairs,
        r.proxyPacketsIn,
        r.loadAverage.toFixed(1),
        r.recoveryAfterMs === undefined
          ? "-"
          : r.recoveryAfterMs === null
            ? "none"
            : r.recoveryAfterMs.toFixed(0),
        ratio(vsWebRtc?.p50),
        ratio(vsWebRtc?.p95),
        ratio(vsWebRtc?.freeze),
        ratio(vsWebRtc?.frames),
        ratio(vsWebRtc?.concealment),
        ratio(vsWebRtc?.maxAbsSkew),
      ].join("\t"),
    );
  }
  const stamp = new Date().toISOString().replaceAll(":", "-").replace(/\..*/, "");
  const output = `${ROOT}bench/results/bad-network-${stamp}.json`;
  await Deno.mkdir(`${ROOT}bench/results`, { recursive: true });
  await Deno.writeTextFile(output, `${JSON.stringify(withRatios, null, 2)}\n`);
  console.log(`results: ${output}`);
}
