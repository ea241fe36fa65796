/**
 * Fuzzing a real relay process over the network. Attackers (raw WebSockets, and raw WebTransport
 * sessions using both the packet stream and datagrams) join one meeting and send bursts of
 * generated packets, each burst ended by a Ping whose Pong says the server got through it; after
 * every close they count the close code and reconnect. Meanwhile an honest publisher and two
 * honest watchers (client-library sessions, one per transport) exchange numbered video frames in
 * the same meeting: at the end every frame must have reached both watchers, and the server must
 * still answer /healthz with no internal error counted.
 *
 * Inputs are counted by the server itself (videocall_packets_in_total, less the honest sessions'
 * packets): packets an attacker sent after the server closed it are not inputs.
 */

import process from "node:process";
import { fileURLToPath } from "node:url";
import { Codec, joinMeeting, MediaKind, type MeetingSession } from "@videocall/client";
import { clockTicksPerSecond, processCpuSeconds } from "../../bench/relay/child-process.ts";
import { metricValue } from "../fixtures/server.ts";
import {
  type AttackerConfig,
  type AttackerStats,
  addStats,
  emptyStats,
  type Transport,
} from "./network-attackers.ts";

export interface NetworkFuzzOptions {
  serverUrl: string;
  seed: number;
  /** Stop once the server has processed this many attacker packets, over both transports... */
  inputs: number;
  /** ...or after this long. */
  maxDurationMs: number;
  webSocketAttackers?: number;
  webTransportAttackers?: number;
  /** Packets per burst (each burst ends with a Ping the attacker waits the Pong of). */
  burstPackets?: number;
  /** Share of packets that are mutated garbage; the others are valid packets with random values. */
  garbageFraction?: number;
  meetingId?: string;
  /** The server's process id: its CPU time is reported, since wall time depends on the machine's load. */
  serverPid?: number;
  onProgress?: (progress: { elapsedMs: number; inputs: number; closes: number }) => void;
}

export interface NetworkReport {
  seed: number;
  elapsedMs: number;
  /** Attacker packets the server processed, by transport (its own counters). */
  inputs: { websocket: number; webtransport: number };
  inputsPerSecond: { websocket: number; webtransport: number; total: number };
  /** Mutated packets among those generated (the rest are valid packets with random values). */
  garbagePackets: number;
  /** Packets the attackers sent, by transport and mode. */
  sent: { websocket: number; webtransportStream: number; webtransportDatagram: number };
  connections: { websocket: number; webtransport: number };
  /** Close codes the attackers saw, by transport (-1: the connection ended without a close frame). */
  closeCodes: Record<Transport, Record<string, number>>;
  /** The first reason seen with each "transport code". */
  closeReasons: Record<string, string>;
  /** Bursts after which no Pong came (a lying length prefix that never ends): the attacker gave up. */
  gaveUp: number;
  honestFramesSent: number;
  honestFramesReceived: { websocket: number; webtransport: number };
  honestProblems: string[];
  /** Packets relayed from attackers that the watchers' client library dropped (it logs the first). */
  droppedAtWatchers: number;
  /** videocall_bad_input_total at the end, by reason. */
  serverBadInput: Record<string, number>;
  /** videocall_internal_errors_total at the end: exceptions the server survived (must be 0). */
  serverInternalErrors: number;
  healthzStatus: number;
  /** CPU seconds used during the run by the server, this process (the honest clients) and the attacker processes. */
  cpuSeconds: { server: number | undefined; honestClients: number; attackers: number };
  /** Inputs per CPU second of the server: comparable across runs on a loaded machine. */
  inputsPerServerCpuSecond: number | undefined;
  /** The machine's 1-minute load average at the start and at the end. */
  loadAverage: [number, number];
  /** The longest this process's event loop was late (its honest clients judge the server by their timers). */
  maxEventLoopLagMs: number;
  /** The slowest /metrics answer while fuzzing: how responsive the server stayed. */
  maxMetricsResponseMs: number;
}

const HONEST_TRACK = 2;
const HONEST_FRAME_INTERVAL_MS = 20;
/** The honest side: a publisher on WebTransport, a watcher on each transport. */
class HonestMeeting {
  readonly received = { websocket: [] as number[], webtransport: [] as number[] };
  readonly problems: string[] = [];
  framesSent = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    readonly publisher: MeetingSession,
    readonly watchers: Record<"websocket" | "webtransport", MeetingSession>,
  ) {
    for (const [transport, watcher] of Object.entries(watchers) as Array<
      ["websocket" | "webtransport", MeetingSession]
    >) {
      watcher.events.on("media", (from, media) => {
        if (from === publisher.sessionId && media.trackId === HONEST_TRACK)
          this.received[transport].push(media.sequence);
      });
      watcher.events.on("closed", (info) => {
        if (!info.byUser)
          this.problems.push(`the ${transport} watcher was closed: ${info.code} ${info.reason}`);
      });
    }
    publisher.events.on("closed", (info) => {
      if (!info.byUser) this.problems.push(`the publisher was closed: ${info.code} ${info.reason}`);
    });
  }

  static async join(serverUrl: string, meetingId: string): Promise<HonestMeeting> {
    const options = { serverUrl, meetingId, reconnect: false };
    const [publisher, websocket, webtransport] = await Promise.all([
      joinMeeting({ ...options, username: "publisher", transport: "webtransport" }),
      joinMeeting({ ...options, username: "watcher-ws", transport: "websocket" }),
      joinMeeting({ ...options, username: "watcher-wt", transport: "webtransport" }),
    ]);
    publisher.publishTrack({ trackId: HONEST_TRACK, kind: MediaKind.VIDEO, codec: Codec.VP8 });
    return new HonestMeeting(publisher, { websocket, webtransport });
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.framesSent++;
      const payload = new Uint8Array(200);
      new DataView(payload.buffer).setUint32(0, this.framesSent);
      // Every frame a key frame: a relay that drops one cannot hide it behind "awaiting a key frame".
      this.publisher.sendFrame(HONEST_TRACK, { keyframe: true, captureTimeUs: Date.now() * 1000, payload });
    }, HONEST_FRAME_INTERVAL_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Packets the honest sessions sent, by transport, to subtract from the server's counters. */
  packetsSent(): { websocket: number; webtransport: number } {
    return {
      websocket: this.watchers.websocket.stats().packetsSent,
      webtransport: this.publisher.stats().packetsSent + this.watchers.webtransport.stats().packetsSent,
    };
  }

  /** Waits (a little) for frames still in flight, then lists what is missing. */
  async check(timeoutMs: number): Promise<string[]> {
    const deadline = performance.now() + timeoutMs;
    const complete = () =>
      this.received.websocket.length >= this.framesSent &&
      this.received.webtransport.length >= this.framesSent;
    while (!complete() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const problems = [...this.problems];
    const expected = Array.from({ length: this.framesSent }, (_, i) => i + 1).join(",");
    for (const transport of ["websocket", "webtransport"] as const) {
      const got = this.received[transport];
      if (got.join(",") !== expected) {
        const missing = this.framesSent - new Set(got).size;
        problems.push(
          `the ${transport} watcher got ${got.length} of ${this.framesSent} frames (${missing} missing)`,
        );
      }
    }
    return problems;
  }

  async leave(): Promise<void> {
    await Promise.allSettled([
      this.publisher.leave(),
      this.watchers.websocket.leave(),
      this.watchers.webtransport.leave(),
    ]);
  }
}

async function processedInputs(
  serverUrl: string,
  honest: HonestMeeting,
): Promise<{ websocket: number; webtransport: number }> {
  const text = await (await fetch(`${serverUrl}/metrics`)).text();
  const honestSent = honest.packetsSent();
  return {
    websocket:
      metricValue(text, "videocall_packets_in_total", { transport: "websocket" }) - honestSent.websocket,
    webtransport:
      metricValue(text, "videocall_packets_in_total", { transport: "webtransport" }) -
      honestSent.webtransport,
  };
}

/** videocall_bad_input_total by reason: what the server says it refused. */
function badInputByReason(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^videocall_bad_input_total\{reason="([^"]+)"\} (\d+)/gm)) {
    counts[match[1]!] = Number(match[2]);
  }
  return counts;
}

function sumInternalErrors(text: string): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("videocall_internal_errors_total"))
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

const ATTACKER_PROCESS = fileURLToPath(new URL("./attacker-process.ts", import.meta.url));
const DENO_CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

/** One process per transport's attackers, so the honest clients' event loop (this one) stays free. */
class AttackerProcess {
  readonly #child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--config", DENO_CONFIG, "-A", "--unstable-net", ATTACKER_PROCESS],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  readonly #stdin = this.#child.stdin.getWriter();
  latest: AttackerStats = emptyStats();
  readonly #done = Promise.withResolvers<AttackerStats>();
  readonly #ready = Promise.withResolvers<void>();

  constructor() {
    void this.#read();
    this.#child.status.then((status) => {
      const error = new Error(`attacker process exited with ${status.code}`);
      this.#ready.reject(error);
      this.#done.reject(error);
    });
    this.#ready.promise.catch(() => {});
    this.#done.promise.catch(() => {});
  }

  async #read(): Promise<void> {
    let pending = "";
    for await (const text of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      pending += text;
      let newline = pending.indexOf("\n");
      while (newline >= 0) {
        const message = JSON.parse(pending.slice(0, newline)) as
          | { type: "ready" }
          | { type: "progress" | "done"; stats: AttackerStats };
        pending = pending.slice(newline + 1);
        if (message.type === "ready") this.#ready.resolve();
        else {
          this.latest = message.stats;
          if (message.type === "done") this.#done.resolve(message.stats);
        }
        newline = pending.indexOf("\n");
      }
    }
  }

  /** Resolves once the process has loaded its modules. */
  ready(): Promise<void> {
    return this.#ready.promise;
  }

  start(config: AttackerConfig): Promise<void> {
    return this.#stdin.write(new TextEncoder().encode(`${JSON.stringify(config)}\n`));
  }

  /** CPU seconds the process used, as of its last `stop()` (its /proc entry goes when it exits). */
  cpuSeconds = 0;

  /** Stops the attackers and returns what they did; the process exits. */
  async stop(): Promise<AttackerStats> {
    try {
      this.cpuSeconds = processCpuSeconds(this.#child.pid, await clockTicksPerSecond());
    } catch {
      // already gone
    }
    try {
      await this.#stdin.write(new TextEncoder().encode("stop\n"));
      await this.#stdin.close();
    } catch {
      // already gone
    }
    try {
      return await this.#done.promise;
    } finally {
      await this.#child.status;
    }
  }
}

export async function runNetworkFuzz(options: NetworkFuzzOptions): Promise<NetworkReport> {
  const info = (await (await fetch(`${options.serverUrl}/api/webtransport`)).json()) as {
    port: number;
    certificateHashes: Array<{ valueBase64: string }>;
  };
  const meetingId = options.meetingId ?? "fuzz";
  let attackerProcesses = [new AttackerProcess(), new AttackerProcess()];
  let honest: HonestMeeting;
  try {
    await Promise.all(attackerProcesses.map((w) => w.ready()));
    honest = await HonestMeeting.join(options.serverUrl, meetingId);
  } catch (error) {
    await Promise.allSettled(attackerProcesses.map((w) => w.stop()));
    throw error;
  }
  const ids = (count: number) => Array.from({ length: count }, (_, i) => i);
  const base: Omit<AttackerConfig, "webSocketIds" | "webTransportIds"> = {
    serverUrl: options.serverUrl,
    meetingId,
    seed: options.seed,
    burstPackets: options.burstPackets ?? 64,
    garbageFraction: options.garbageFraction ?? 0.05,
    knownSessions: [honest.publisher.sessionId],
    webTransport: {
      port: info.port,
      certificateHashesBase64: info.certificateHashes.map((h) => h.valueBase64),
    },
  };
  const ticks = await clockTicksPerSecond();
  const serverCpu = () =>
    options.serverPid === undefined ? undefined : processCpuSeconds(options.serverPid, ticks);
  const serverCpuBefore = serverCpu();
  const fuzzerCpuBefore = process.cpuUsage();
  const loadBefore = Deno.loadavg()[0];
  const started = performance.now();
  let inputs = { websocket: 0, webtransport: 0 };
  // How late this thread's timers run: the honest clients live here, and give a server up after
  // 2 s of silence, so a stalled event loop here would look like a stalled server.
  let maxEventLoopLagMs = 0;
  let lastTick = performance.now();
  const lagProbe = setInterval(() => {
    const now = performance.now();
    maxEventLoopLagMs = Math.max(maxEventLoopLagMs, now - lastTick - 50);
    lastTick = now;
  }, 50);
  let maxMetricsMs = 0;
  try {
    honest.start();
    await attackerProcesses[0]?.start({
      ...base,
      webSocketIds: ids(options.webSocketAttackers ?? 8),
      webTransportIds: [],
    });
    await attackerProcesses[1]?.start({
      ...base,
      webSocketIds: [],
      webTransportIds: ids(options.webTransportAttackers ?? 8),
    });
    let lastProgress = started;
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const asked = performance.now();
      inputs = await processedInputs(options.serverUrl, honest);
      maxMetricsMs = Math.max(maxMetricsMs, performance.now() - asked);
      const elapsedMs = performance.now() - started;
      if (inputs.websocket + inputs.webtransport >= options.inputs || elapsedMs >= options.maxDurationMs)
        break;
      if (performance.now() - lastProgress >= 1000) {
        lastProgress = performance.now();
        const stats = emptyStats();
        for (const attacker of attackerProcesses) addStats(stats, attacker.latest);
        let closes = 0;
        for (const codes of Object.values(stats.closeCodes))
          for (const count of Object.values(codes)) closes += count;
        options.onProgress?.({ elapsedMs, inputs: inputs.websocket + inputs.webtransport, closes });
      }
    }
    const attackers = emptyStats();
    for (const stats of await Promise.all(attackerProcesses.map((w) => w.stop()))) addStats(attackers, stats);
    const attackerCpuSeconds = attackerProcesses.reduce((sum, p) => sum + p.cpuSeconds, 0);
    attackerProcesses = [];
    honest.stop();
    const honestProblems = await honest.check(10_000);
    const elapsedMs = performance.now() - started;
    inputs = await processedInputs(options.serverUrl, honest);
    const metrics = await (await fetch(`${options.serverUrl}/metrics`)).text();
    const healthz = await fetch(`${options.serverUrl}/healthz`);
    await healthz.body?.cancel();
    const perSecond = (n: number) => Math.round((n / elapsedMs) * 1000);
    const serverCpuAfter = serverCpu();
    const serverCpuSeconds =
      serverCpuAfter === undefined || serverCpuBefore === undefined
        ? undefined
        : serverCpuAfter - serverCpuBefore;
    const fuzzerCpu = process.cpuUsage(fuzzerCpuBefore);
    const totalInputs = inputs.websocket + inputs.webtransport;
    const sortCodes = (codes: Record<string, number>) =>
      Object.fromEntries(Object.entries(codes).sort(([a], [b]) => Number(a) - Number(b)));
    return {
      seed: options.seed,
      elapsedMs,
      inputs,
      inputsPerSecond: {
        websocket: perSecond(inputs.websocket),
        webtransport: perSecond(inputs.webtransport),
        total: perSecond(totalInputs),
      },
      sent: attackers.sent,
      garbagePackets: attackers.garbagePackets,
      connections: attackers.connections,
      closeCodes: {
        websocket: sortCodes(attackers.closeCodes.websocket),
        webtransport: sortCodes(attackers.closeCodes.webtransport),
      },
      closeReasons: attackers.closeReasons,
      gaveUp: attackers.gaveUp,
      honestFramesSent: honest.framesSent,
      honestFramesReceived: {
        websocket: honest.received.websocket.length,
        webtransport: honest.received.webtransport.length,
      },
      honestProblems,
      droppedAtWatchers:
        honest.watchers.websocket.stats().packetsDropped +
        honest.watchers.webtransport.stats().packetsDropped,
      serverBadInput: badInputByReason(metrics),
      serverInternalErrors: sumInternalErrors(metrics),
      healthzStatus: healthz.status,
      cpuSeconds: {
        server: serverCpuSeconds,
        honestClients: (fuzzerCpu.user + fuzzerCpu.system) / 1e6,
        attackers: attackerCpuSeconds,
      },
      inputsPerServerCpuSecond: serverCpuSeconds ? Math.round(totalInputs / serverCpuSeconds) : undefined,
      loadAverage: [loadBefore ?? 0, Deno.loadavg()[0] ?? 0],
      maxEventLoopLagMs: Math.round(maxEventLoopLagMs),
      maxMetricsResponseMs: Math.round(maxMetricsMs),
    };
  } finally {
    clearInterval(lagProbe);
    await Promise.allSettled(attackerProcesses.map((w) => w.stop()));
    honest.stop();
    await honest.leave();
  }
}
