/**
 * Calls through the impairment proxy, one per preset and transport: delivered frame rate, freezes
 * (no new frame for > 200 ms), capture → arrival latency and audio delivery, each against the clean
 * run of the same transport in the same process. One relay behind one proxy; the proxy's profile
 * changes between calls (each call its own meeting). See README.md.
 *
 *   npm run bench:impairment -- [--seconds 10] [--presets clean,4g,...] [--transports webtransport,websocket]
 *     [--video-kbps 600] [--fps 30] [--seed 1] [--output file.json (default bench/results/impairment-<time>.json)]
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { TransportKind } from "@videocall/client";
import { startImpairedServer } from "../../test/fixtures/impaired-server.ts";
import { isPresetName, PRESET_NAMES, type PresetName } from "../../tools/impairment-proxy/presets.ts";
import { type CallFigures, measureCall } from "./measured-call.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "10" },
    presets: { type: "string", default: PRESET_NAMES.join(",") },
    transports: { type: "string", default: "webtransport,websocket" },
    "video-kbps": { type: "string", default: "600" },
    fps: { type: "string", default: "30" },
    seed: { type: "string", default: "1" },
    output: { type: "string" },
  },
  strict: true,
}).values;

export interface PresetResult extends CallFigures {
  preset: PresetName;
  /** The proxy's counts for this call: packets in and dropped (both directions). */
  packetsIn: number;
  packetsDropped: number;
  /** Against the clean call of this transport in this run (null without one). */
  fpsRatioToClean: number | null;
  latencyP95RatioToClean: number | null;
}

export interface BenchResult {
  seconds: number;
  videoKbps: number;
  fps: number;
  results: PresetResult[];
}

const seconds = Number(args.seconds);
const videoKbps = Number(args["video-kbps"]);
const fps = Number(args.fps);
const presets = args.presets.split(",").filter((name) => name !== "");
for (const name of presets) {
  if (!isPresetName(name)) throw new Error(`unknown preset ${name} (presets: ${PRESET_NAMES.join(", ")})`);
}
const transports = args.transports.split(",") as TransportKind[];
// Clean first, so every other preset has its baseline.
const ordered = ["clean", ...presets.filter((name) => name !== "clean")] as PresetName[];

const impaired = await startImpairedServer({ seed: Number(args.seed) });
// Ctrl-C or a kill must not leave the relay process behind.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => void impaired.stop().finally(() => Deno.exit(130)));
}
const results: PresetResult[] = [];
try {
  for (const transport of transports) {
    let clean: CallFigures | undefined;
    for (const preset of ordered) {
      impaired.proxy.setProfile(preset);
      const before = impaired.proxy.counters();
      const figures = await measureCall({
        serverUrl: impaired.url,
        meetingId: `bench-${preset}-${transport}`,
        transport,
        seconds,
        videoBitrateKbps: videoKbps,
        fps,
      });
      const after = impaired.proxy.counters();
      impaired.proxy.setProfile("clean");
      const dropped = (c: typeof after) =>
        Object.values(c.up.dropped).reduce((a, b) => a + b, 0) +
        Object.values(c.down.dropped).reduce((a, b) => a + b, 0);
      if (preset === "clean") clean = figures;
      const result: PresetResult = {
        preset,
        ...figures,
        packetsIn: after.up.packetsIn + after.down.packetsIn - before.up.packetsIn - before.down.packetsIn,
        packetsDropped: dropped(after) - dropped(before),
        fpsRatioToClean: clean && clean.deliveredFps > 0 ? figures.deliveredFps / clean.deliveredFps : null,
        latencyP95RatioToClean:
          clean?.videoLatencyP95Ms && figures.videoLatencyP95Ms !== null
            ? figures.videoLatencyP95Ms / clean.videoLatencyP95Ms
            : null,
      };
      results.push(result);
      console.log(row(result));
    }
  }
} finally {
  await impaired.stop();
}

const report: BenchResult = { seconds, videoKbps, fps, results };
console.log(`\n${table(report)}`);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const outputPath =
  args.output ?? `${ROOT}bench/results/impairment-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
await Deno.mkdir(dirname(outputPath), { recursive: true });
await Deno.writeTextFile(outputPath, JSON.stringify(report, null, 2));
console.log(`results: ${outputPath}`);

function row(r: PresetResult): string {
  return `${r.transport} ${r.preset}: ${r.deliveredFps.toFixed(1)} fps, freezes ${(100 * r.freezeRatio).toFixed(1)} %, video p50/p95 ${ms(r.videoLatencyP50Ms)}/${ms(r.videoLatencyP95Ms)} ms, audio ${r.audioPacketsReceived}/${r.audioPacketsSent}`;
}

function table(report: BenchResult): string {
  const lines = [
    `${report.seconds} s per call, ${report.videoKbps} kbit/s video at ${report.fps} fps + 50 audio packets/s; ratios against clean on the same transport`,
    "| transport | preset | fps (× clean) | freeze ratio | freezes | video p50 / p95 ms (p95 × clean) | video frames | audio packets | proxy drops |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of report.results) {
    lines.push(
      `| ${r.transport} | ${r.preset} | ${r.deliveredFps.toFixed(1)} (${ratio(r.fpsRatioToClean)}) | ${(100 * r.freezeRatio).toFixed(1)} % | ${r.freezes} | ${ms(r.videoLatencyP50Ms)} / ${ms(r.videoLatencyP95Ms)} (${ratio(r.latencyP95RatioToClean)}) | ${r.videoFramesReceived}/${r.videoFramesSent} | ${r.audioPacketsReceived}/${r.audioPacketsSent} | ${r.packetsDropped}/${r.packetsIn} |`,
    );
  }
  return lines.join("\n");
}

function ms(value: number | null): string {
  return value === null ? "–" : value.toFixed(0);
}

function ratio(value: number | null): string {
  return value === null ? "–" : `${value.toFixed(2)}×`;
}
