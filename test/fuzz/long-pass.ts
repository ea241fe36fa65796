/**
 * The long fuzz pass (npm run fuzz): the in-process harness, then the network fuzzer against a
 * fresh relay process. Prints inputs per second, crashes (must be 0) and the close codes seen;
 * exits 1 on any crash, internal error or honest participant's loss. `--save-crashes` adds each
 * new crash that reproduces on its own to test/fuzz/regressions/, where the test suite replays it.
 */
import { parseArgs } from "node:util";
import { startServer } from "../fixtures/server.ts";
import { type CrashRecord, runHarness } from "./harness-run.ts";
import { generousLimitFlags } from "./limit-flags.ts";
import { runNetworkFuzz } from "./network-fuzzer.ts";
import {
  loadRegressions,
  REGRESSIONS_FILE,
  type Regression,
  regressionInput,
  replay,
} from "./regressions.ts";

const USAGE = `Usage: npm run fuzz -- [options]
  --harness-inputs <n>    in-process harness inputs (default 10000000; 0 skips the harness)
  --network-inputs <n>    attacker packets the relay must process, both transports together
                          (default 1000000; 0 skips the network fuzzer)
  --seed <n>              run seed (default: random, printed; the same seed gives the same inputs)
  --harness-seconds <s>   stop the harness after this long even if inputs remain
  --network-seconds <s>   stop the network fuzzer after this long (default 7200)
  --ws-attackers <n>      WebSocket attackers (default 8)
  --wt-attackers <n>      WebTransport attackers (default 8)
  --burst <n>             packets per attacker burst (default 64)
  --garbage-fraction <f>  share of mutated garbage among the network packets (default 0.05; the
                          rest are valid packets with random values, so connections live longer)
  --save-crashes          add new crashes that reproduce alone to test/fuzz/regressions/
  -h, --help              show this help`;

function number(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} must be a non-negative number, got "${raw}"\n\n${USAGE}`);
    Deno.exit(2);
  }
  return value;
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "harness-inputs": { type: "string" },
    "network-inputs": { type: "string" },
    seed: { type: "string" },
    "harness-seconds": { type: "string" },
    "network-seconds": { type: "string" },
    "ws-attackers": { type: "string" },
    "wt-attackers": { type: "string" },
    burst: { type: "string" },
    "garbage-fraction": { type: "string" },
    "save-crashes": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  strict: true,
});
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}

const seed = number("seed", values.seed, crypto.getRandomValues(new Uint32Array(1))[0]!);
const harnessInputs = number("harness-inputs", values["harness-inputs"], 10_000_000);
const networkInputs = number("network-inputs", values["network-inputs"], 1_000_000);
const harnessSeconds = values["harness-seconds"]
  ? number("harness-seconds", values["harness-seconds"], 0)
  : undefined;
const networkSeconds = number("network-seconds", values["network-seconds"], 7200);
let failed = false;
let lastTenSeconds = 0;
/** True once per ten seconds of a pass: progress lines, not a flood. */
function everyTenSeconds(elapsedMs: number): boolean {
  const tens = Math.floor(elapsedMs / 10_000);
  if (tens === lastTenSeconds) return false;
  lastTenSeconds = tens;
  return true;
}

console.log(`fuzz long pass, seed ${seed} (repeat it with --seed ${seed})`);

if (harnessInputs > 0) {
  console.log(`\n== harness: ${harnessInputs} inputs`);
  const report = await runHarness({
    seed,
    inputs: harnessInputs,
    ...(harnessSeconds !== undefined ? { maxDurationMs: harnessSeconds * 1000 } : {}),
    onProgress: (done, elapsedMs) => {
      if (everyTenSeconds(elapsedMs))
        console.log(`  ${done} inputs, ${Math.round((done / elapsedMs) * 1000)}/s`);
    },
  });
  console.log(
    `harness: ${report.inputs} inputs in ${(report.elapsedMs / 1000).toFixed(1)} s = ${report.inputsPerSecond} inputs/s`,
  );
  console.log(`  crashes: ${report.crashCount} (${report.distinctCrashes.length} distinct)`);
  console.log(`  close codes: ${JSON.stringify(report.closeCodes)}`);
  console.log(
    `  outcomes: ${JSON.stringify(report.outcomes)}; by entry point: ${JSON.stringify(report.byTarget)}`,
  );
  console.log(
    `  honest frames: ${report.honestFramesSent} sent, problems: ${report.honestProblems.length === 0 ? "none" : report.honestProblems.join("; ")}`,
  );
  console.log(
    `  forwarded media packets the client decoder refuses (and drops): ${report.forwardedUndecodable}`,
  );
  for (const crash of report.distinctCrashes) {
    console.log(
      `  CRASH ${crash.target} input ${crash.index}: ${crash.error}\n    hex ${crash.hex}\n${crash.stack}`,
    );
  }
  if (report.crashCount > 0 || report.internalErrors > 0 || report.honestProblems.length > 0) failed = true;
  if (values["save-crashes"]) await saveCrashes(report.distinctCrashes);
}

if (networkInputs > 0) {
  lastTenSeconds = 0;
  console.log(`\n== network: ${networkInputs} inputs over WebSocket and WebTransport`);
  const server = await startServer({ extraArgs: await generousLimitFlags() });
  try {
    const report = await runNetworkFuzz({
      serverUrl: server.url,
      serverPid: server.pid,
      seed,
      inputs: networkInputs,
      maxDurationMs: networkSeconds * 1000,
      webSocketAttackers: number("ws-attackers", values["ws-attackers"], 8),
      webTransportAttackers: number("wt-attackers", values["wt-attackers"], 8),
      burstPackets: number("burst", values.burst, 64),
      garbageFraction: number("garbage-fraction", values["garbage-fraction"], 0.05),
      onProgress: ({ elapsedMs, inputs, closes }) => {
        if (everyTenSeconds(elapsedMs)) {
          console.log(`  ${inputs} inputs, ${Math.round((inputs / elapsedMs) * 1000)}/s, ${closes} closes`);
        }
      },
    });
    const total = report.inputs.websocket + report.inputs.webtransport;
    console.log(
      `network: ${total} inputs in ${(report.elapsedMs / 1000).toFixed(1)} s = ${report.inputsPerSecond.total} inputs/s ` +
        `(WebSocket ${report.inputs.websocket} = ${report.inputsPerSecond.websocket}/s, ` +
        `WebTransport ${report.inputs.webtransport} = ${report.inputsPerSecond.webtransport}/s)`,
    );
    console.log(
      `  sent: ${JSON.stringify(report.sent)} (${report.garbagePackets} mutated garbage, the rest valid with random values); ` +
        `connections: ${JSON.stringify(report.connections)}`,
    );
    console.log(
      `  CPU: server ${report.cpuSeconds.server?.toFixed(1)} s (${report.inputsPerServerCpuSecond} inputs per server CPU second), ` +
        `attackers ${report.cpuSeconds.attackers.toFixed(1)} s, honest clients ${report.cpuSeconds.honestClients.toFixed(1)} s; load average ${report.loadAverage.map((l) => l.toFixed(1)).join(" -> ")}; ` +
        `slowest /metrics ${report.maxMetricsResponseMs} ms, honest clients' event loop late by up to ${report.maxEventLoopLagMs} ms`,
    );
    console.log(
      `  crashes: ${report.healthzStatus === 200 && report.serverInternalErrors === 0 ? 0 : "SERVER FAILED"}`,
    );
    console.log(`  server: /healthz ${report.healthzStatus}, internal errors ${report.serverInternalErrors}`);
    console.log(`  close codes seen by attackers: ${JSON.stringify(report.closeCodes)} (-1: no close frame)`);
    console.log(`  bad input counted by the server: ${JSON.stringify(report.serverBadInput)}`);
    console.log(`  gave up on stalled streams: ${report.gaveUp}`);
    console.log(`  relayed packets the watchers' client library dropped: ${report.droppedAtWatchers}`);
    console.log(
      `  honest frames: ${report.honestFramesSent} sent, received ${JSON.stringify(report.honestFramesReceived)}, ` +
        `problems: ${report.honestProblems.length === 0 ? "none" : report.honestProblems.join("; ")}`,
    );
    if (total < networkInputs) console.log(`  (stopped by --network-seconds before ${networkInputs} inputs)`);
    if (report.healthzStatus !== 200 || report.serverInternalErrors > 0 || report.honestProblems.length > 0) {
      failed = true;
      const errors = server
        .output()
        .split("\n")
        .filter((line) => /"level":(50|60)/.test(line));
      console.log(`server errors (${errors.length}):\n${errors.slice(0, 20).join("\n")}`);
    }
  } finally {
    await server.stop();
  }
}

console.log(failed ? "\nFAILED" : "\nok: 0 crashes");
Deno.exit(failed ? 1 : 0);

/** Adds crashes that reproduce in a fresh harness and are not saved yet; prints what it did. */
async function saveCrashes(crashes: CrashRecord[]): Promise<void> {
  const saved = loadRegressions();
  const known = new Set(saved.map((r) => r.hex));
  let added = 0;
  for (const crash of crashes) {
    if (known.has(crash.hex)) continue;
    const regression: Regression = {
      id: `${crash.target}: ${crash.error.slice(0, 80)} (seed ${crash.seed} input ${crash.index})`,
      found: `${new Date().toISOString().slice(0, 10)}, seed ${crash.seed} input ${crash.index}`,
      target: crash.target,
      hex: crash.hex,
      ...(crash.splits ? { splits: crash.splits } : {}),
      ...(crash.address ? { address: crash.address } : {}),
      ...(crash.stampAsRemote ? { stampAsRemote: true } : {}),
      error: crash.error,
      where: crash.stack
        .split("\n")
        .filter((line) => line.trim().startsWith("at ") && !line.includes("node_modules"))
        .slice(0, 3)
        .map((line) => line.trim())
        .join(" <- "),
    };
    if ((await replay(regressionInput(regression))).outcome.kind !== "crash") {
      console.log(`  not saved (does not crash on its own, depends on earlier inputs): ${regression.id}`);
      continue;
    }
    saved.push(regression);
    known.add(crash.hex);
    added++;
  }
  if (added > 0) Deno.writeTextFileSync(REGRESSIONS_FILE, `${JSON.stringify(saved, null, 2)}\n`);
  console.log(`  saved ${added} new regression(s) to ${REGRESSIONS_FILE.pathname}`);
}
