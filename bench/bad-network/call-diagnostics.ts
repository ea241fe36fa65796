/**
 * `--diagnostics`: the pipeline's own figures during a window. A line per page every 2 s (what
 * the adaptation, the playout delay and lip sync are doing), and at the window's end the median
 * and p95 of each stage of a frame's trip (capture → encoded → sent → arrived → decoded →
 * rendered), sampled every 250 ms: which stage a latency tail builds up in.
 */
import type { Page } from "playwright-core";
import { LatencyHistogram } from "../../packages/cli/src/load/latency-histogram.ts";

/** The receiver's figures printed: what explains a latency or a freeze. */
const RECEIVER_FIGURES =
  /playoutDelay|avSyncHold|glassToGlass|jitterBuffer|audioExtraDelay|audioPath|videoPlan|Stretched|Concealed|audioFrames|videoFramesDecoded|rttMs|[cC]aptureTo/;
/** The sender's: how far its encoder keeps up, what the adaptation made of it (WebRTC's own, for the anchor). */
const SENDER_FIGURES = /framesEncoded|framesStale|framesSkipped|adaptation|bufferedBytes|captureTo|webrtc/;
/** The stage figures summarised at the end, in the order a frame passes them. */
const STAGES = [
  ["sender", "captureToEncodedMs"],
  ["sender", "captureToSentMs"],
  ["receiver", "videoCaptureToArrivalMs"],
  ["receiver", "videoCaptureToDecodeStartMs"],
  ["receiver", "videoCaptureToDecodedMs"],
  ["receiver", "glassToGlassMs"],
  ["receiver", "avSyncHoldMs"],
  ["receiver", "audioPathMs"],
] as const;

const PRINT_EVERY_MS = 2000;
const SAMPLE_EVERY_MS = 250;

type Figures = Record<string, number | string | undefined>;

export interface CallDiagnostics {
  /** Stops sampling and prints each stage's median and p95. */
  stop(): Promise<void>;
}

export function startCallDiagnostics(sender: Page, receiver: Page, label: string): CallDiagnostics {
  const samples = new Map<string, LatencyHistogram>();
  let lastPrintMs = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const [sent, received] = await Promise.all([figuresOf(sender), figuresOf(receiver)]);
      for (const [role, name] of STAGES) {
        const value = (role === "sender" ? sent : received)[name];
        if (typeof value !== "number" || !Number.isFinite(value)) continue;
        const key = `${role} ${name}`;
        const histogram = samples.get(key) ?? new LatencyHistogram();
        samples.set(key, histogram);
        histogram.recordMs(value);
      }
      if (performance.now() - lastPrintMs >= PRINT_EVERY_MS) {
        lastPrintMs = performance.now();
        console.error(
          `${label}: sender ${shown(sent, SENDER_FIGURES)} | receiver ${shown(received, RECEIVER_FIGURES)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      const lines = [...samples.entries()].map(([key, histogram]) => {
        const at = (fraction: number) => (histogram.percentileMs(fraction) ?? Number.NaN).toFixed(0);
        return `  ${key}: median ${at(0.5)} ms, p95 ${at(0.95)} ms (${histogram.count} samples)`;
      });
      console.error(`${label}, stages of the last frame, every ${SAMPLE_EVERY_MS} ms:\n${lines.join("\n")}`);
    },
  };
}

async function figuresOf(page: Page): Promise<Figures> {
  return await page.evaluate(() => window.bench.diagnostics()).catch(() => ({}));
}

function shown(figures: Figures, names: RegExp): string {
  return Object.entries(figures)
    .filter(([name, value]) => names.test(name) && value !== undefined)
    .map(([name, value]) => `${name}=${typeof value === "number" ? Math.round(value) : value}`)
    .join(" ");
}
