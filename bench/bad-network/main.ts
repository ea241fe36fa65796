/**
 * Bad-network benchmark (issue 13 item 6), first piece: our call over WebTransport and over
 * WebSocket, in headless Chromium with the glass-to-glass page and barcode, through the impairment
 * proxy (the relay advertises the proxy's UDP port), per profile. WebRTC through the proxy, audio
 * concealment and the cap schedule are not in yet (README.md).
 *
 *   deno run --config deno.json -A --unstable-net bench/bad-network/main.ts [--seconds 10]
 *     [--profiles clean,loss-3-rtt-150,bursty-10,cap-500k,jitter-50,cpu] [--modes webtransport,websocket]
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { histogramOfMs } from "../../packages/cli/src/load/latency-histogram.ts";
import { CHROMIUM_PATH } from "../../test/fixtures/browser.ts";
import { startImpairedServer } from "../../test/fixtures/impaired-server.ts";
import type { CallMode, CallTarget, ReceiverWindow } from "../glass-to-glass/bench-api.ts";
import {
  buildBenchPage,
  CHROMIUM_ARGS,
  loadAverage,
  measureClockOffset,
  openBenchPage,
  waitFor,
} from "../glass-to-glass/main.ts";
import { startCpuLoad } from "./cpu-load.ts";
import { freezeRatio } from "./frame-timeline.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** `cpu`: a clean network with one busy-looping process per core (cpu-load.ts). */
const CPU_PROFILE = "cpu";

export interface BadNetworkRow {
  profile: string;
  mode: CallMode;
  samples: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  freezeRatio: number;
  /** Packets the proxy carried both ways during the call: proof the call crossed it. */
  proxyPacketsIn: number;
  loadAverage: number;
}

export interface RunOptions {
  seconds: number;
  warmupSeconds: number;
  profiles: string[];
  modes: CallMode[];
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
        impaired.proxy.setProfile(profile === CPU_PROFILE ? "clean" : profile);
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
  browser: import("playwright-core").Browser,
  impaired: Awaited<ReturnType<typeof startImpairedServer>>,
  profile: string,
  mode: CallMode,
  options: RunOptions,
): Promise<BadNetworkRow> {
  const senderContext = await browser.newContext();
  const receiverContext = await browser.newContext();
  try {
    const meetingId = `bad-${profile}-${mode}-${crypto.randomUUID().slice(0, 8)}`;
    const target = (username: string): CallTarget => ({ mode, serverUrl: impaired.url, meetingId, username });
    const before = impaired.proxy.counters();
    const sender = await openBenchPage(senderContext, impaired.url, "sender");
    const sent = await sender.page.evaluate((t) => window.bench.startCallSender(t), target("sender"));
    const receiver = await openBenchPage(receiverContext, impaired.url, "receiver");
    const received = await receiver.page.evaluate(
      (t) => window.bench.startCallReceiver(t),
      target("receiver"),
    );
    if (sent !== mode || received !== mode)
      throw new Error(`${mode} call connected over ${sent}/${received}`);
    await waitFor("the first remote frame", 30_000, () =>
      receiver.page.evaluate(() => window.bench.firstFrameAfterMs()),
    );
    const clock = await measureClockOffset(sender.page, receiver.page);
    await new Promise((resolve) => setTimeout(resolve, options.warmupSeconds * 1000));
    const startMs = await receiver.page.evaluate(() => window.bench.clockMs());
    await receiver.page.evaluate(() => window.bench.beginWindow());
    await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
    const readBack: ReceiverWindow = await receiver.page.evaluate(() => window.bench.endWindow());
    await receiver.page.evaluate(() => window.bench.stop());
    await sender.page.evaluate(() => window.bench.stop());
    const after = impaired.proxy.counters();
    const latencies = histogramOfMs(readBack.latenciesMs.map((ms) => ms - clock.offsetMs));
    return {
      profile,
      mode,
      samples: latencies.count,
      latencyP50Ms: latencies.percentileMs(0.5) ?? Number.NaN,
      latencyP95Ms: latencies.percentileMs(0.95) ?? Number.NaN,
      freezeRatio: freezeRatio(readBack.frameTimesMs, startMs, startMs + readBack.windowMs),
      proxyPacketsIn: after.up.packetsIn + after.down.packetsIn - before.up.packetsIn - before.down.packetsIn,
      loadAverage: await loadAverage(),
    };
  } finally {
    await senderContext.close();
    await receiverContext.close();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seconds: { type: "string", default: "10" },
      "warmup-seconds": { type: "string", default: "2" },
      profiles: {
        type: "string",
        default: `clean,loss-3-rtt-150,bursty-10,cap-500k,jitter-50,${CPU_PROFILE}`,
      },
      modes: { type: "string", default: "webtransport,websocket" },
    },
  });
  const rows = await runBadNetwork({
    seconds: Number(values.seconds),
    warmupSeconds: Number(values["warmup-seconds"]),
    profiles: values.profiles.split(","),
    modes: values.modes.split(",") as CallMode[],
  });
  console.log("profile\tmode\tp50 ms\tp95 ms\tfreeze %\tframes\tproxy packets\tload");
  for (const r of rows) {
    console.log(
      [
        r.profile,
        r.mode,
        r.latencyP50Ms.toFixed(0),
        r.latencyP95Ms.toFixed(0),
        (r.freezeRatio * 100).toFixed(1),
        r.samples,
        r.proxyPacketsIn,
        r.loadAverage.toFixed(1),
      ].join("\t"),
    );
  }
  const stamp = new Date().toISOString().replaceAll(":", "-").replace(/\..*/, "");
  const output = `${ROOT}bench/results/bad-network-${stamp}.json`;
  await Deno.mkdir(`${ROOT}bench/results`, { recursive: true });
  await Deno.writeTextFile(output, `${JSON.stringify(rows, null, 2)}\n`);
  console.log(`results: ${output}`);
}
