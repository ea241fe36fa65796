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
import { Codec, joinMeeting, MediaKind, type MeetingSession } from "@videocall/client";
import {
  BodyField,
  decodePacketSafely,
  encodePacket,
  frameOnStream,
  MAX_PACKET_BYTES,
  RoutingHeader,
  StreamDeframer,
  scanRoutingHeader,
} from "@videocall/protocol";
import { clockTicksPerSecond, processCpuSeconds } from "../../bench/relay/child-process.ts";
import { metricValue } from "../fixtures/server.ts";
import { garbagePacket, lyingPrefix, survivablePacket } from "./inputs.ts";
import { inputSeed, SeededRandom } from "./prng.ts";

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
  /** Packets the attackers sent, by transport and mode. */
  sent: { websocket: number; webtransportStream: number; webtransportDatagram: number };
  connections: { websocket: number; webtransport: number };
  /** Close codes the attackers saw, by transport (-1: the connection failed without a code). */
  closeCodes: Record<Transport, Record<string, number>>;
  /** The first reason seen with each "transport code". */
  closeReasons: Record<string, string>;
  /** Bursts after which no Pong came (a lying length prefix that never ends): the attacker gave up. */
  gaveUp: number;
  honestFramesSent: number;
  honestFramesReceived: { websocket: number; webtransport: number };
  honestProblems: string[];
  /** Media packets relayed from attackers that the watchers' decoder refused (and dropped). */
  undecodableAtWatchers: number;
  /** videocall_bad_input_total at the end, by reason. */
  serverBadInput: Record<string, number>;
  /** videocall_internal_errors_total at the end: exceptions the server survived (must be 0). */
  serverInternalErrors: number;
  healthzStatus: number;
  /** CPU seconds used during the run by the server and by this process (attackers and honest clients). */
  cpuSeconds: { server: number | undefined; fuzzer: number };
  /** Inputs per CPU second of the server: comparable across runs on a loaded machine. */
  inputsPerServerCpuSecond: number | undefined;
  /** The machine's 1-minute load average at the start and at the end. */
  loadAverage: [number, number];
}

const HONEST_TRACK = 2;
const HONEST_FRAME_INTERVAL_MS = 20;
const PONG_TIMEOUT_MS = 2000;
/** After a burst with a lying length prefix the Pong may never come: give up sooner. */
const STALL_TIMEOUT_MS = 300;

interface Shared {
  options: Required<Omit<NetworkFuzzOptions, "onProgress" | "serverPid">>;
  stopped: boolean;
  nonce: number;
  sent: NetworkReport["sent"];
  connections: NetworkReport["connections"];
  closeCodes: Record<Transport, Map<number, number>>;
  closeReasons: Record<string, string>;
  gaveUp: number;
  /** Session ids an attacker may aim key frame requests at. */
  knownSessions: number[];
  webTransportInfo: { port: number; hashes: Array<{ algorithm: "sha-256"; value: Uint8Array<ArrayBuffer> }> };
}

type Transport = "websocket" | "webtransport";

function countClose(shared: Shared, transport: Transport, code: number, reason: string): void {
  const codes = shared.closeCodes[transport];
  codes.set(code, (codes.get(code) ?? 0) + 1);
  const key = `${transport} ${code}`;
  if (!(key in shared.closeReasons)) shared.closeReasons[key] = reason.slice(0, 100);
}

function ping(nonce: number): Uint8Array<ArrayBuffer> {
  return encodePacket({ body: { case: "ping", value: { nonce, sentTimeUs: 0n } } });
}

/** Calls `onPong` with the nonce of each Pong among the packets a connection receives. */
function pongReader(onPong: (nonce: number) => void): (packet: Uint8Array) => void {
  const header = new RoutingHeader();
  return (packet) => {
    if (!scanRoutingHeader(packet, header) || header.body !== BodyField.pong) return;
    const decoded = decodePacketSafely(packet);
    if (decoded.ok && decoded.packet.body.case === "pong") onPong(decoded.packet.body.value.nonce);
  };
}

/** Resolves when the Pong for `nonce` arrives, the connection closes, or `timeoutMs` passes. */
class PongWaiter {
  #nonce = -1;
  #resolve: ((outcome: "pong" | "timeout") => void) | undefined;

  onPong = (nonce: number) => {
    if (nonce === this.#nonce) this.#resolve?.("pong");
  };

  wait(nonce: number, timeoutMs: number): Promise<"pong" | "timeout"> {
    this.#nonce = nonce;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve("timeout"), timeoutMs);
      this.#resolve = (outcome) => {
        clearTimeout(timer);
        this.#resolve = undefined;
        resolve(outcome);
      };
    });
  }
}

/** One burst's packets; for a WebSocket, `text` stands for a text frame. */
function burstPackets(random: SeededRandom, shared: Shared): Array<Uint8Array | "text"> {
  const { burstPackets: count, garbageFraction } = shared.options;
  const packets: Array<Uint8Array | "text"> = [];
  for (let i = 0; i < count; i++) {
    if (random.chance(0.002)) packets.push("text");
    else if (random.chance(0.0005))
      packets.push(new Uint8Array(MAX_PACKET_BYTES + 1)); // over the limit
    else
      packets.push(
        random.chance(garbageFraction)
          ? garbagePacket(random)
          : survivablePacket(random, shared.knownSessions),
      );
  }
  return packets;
}

async function webSocketAttacker(shared: Shared, id: number): Promise<void> {
  const url = `${shared.options.serverUrl.replace(/^http/, "ws")}/lobby/attacker-ws-${id}/${shared.options.meetingId}`;
  let burst = 0;
  while (!shared.stopped) {
    const socket = new WebSocket(url);
    socket.binaryType = "arraybuffer";
    const waiter = new PongWaiter();
    const onPacket = pongReader(waiter.onPong);
    socket.onmessage = (event) => {
      if (event.data instanceof ArrayBuffer) onPacket(new Uint8Array(event.data));
    };
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      // A socket that sends while the server closes it gets no close frame (Deno drops the TCP
      // connection: "Unexpected EOF"), so no code: counted as -1.
      socket.onclose = (event) => resolve({ code: event.wasClean ? event.code : -1, reason: event.reason });
    });
    socket.onerror = () => {};
    const opened = await Promise.race([
      new Promise<boolean>((resolve) => {
        socket.onopen = () => resolve(true);
      }),
      closed.then(() => false),
    ]);
    if (!opened) {
      const { code, reason } = await closed;
      countClose(shared, "websocket", code, reason);
      continue;
    }
    shared.connections.websocket++;
    let closedCode: number | undefined;
    let weClosed = false;
    void closed.then(({ code }) => {
      closedCode = code;
    });
    while (closedCode === undefined && !shared.stopped) {
      const random = new SeededRandom(inputSeed(shared.options.seed ^ (0x1000 + id), burst++));
      for (const packet of burstPackets(random, shared)) {
        if (socket.readyState !== WebSocket.OPEN) break;
        socket.send(packet === "text" ? "not a packet" : (packet as Uint8Array<ArrayBuffer>));
        shared.sent.websocket++;
      }
      if (socket.readyState !== WebSocket.OPEN) break;
      const nonce = ++shared.nonce;
      socket.send(ping(nonce));
      const outcome = await Promise.race([waiter.wait(nonce, PONG_TIMEOUT_MS), closed.then(() => "closed")]);
      if (outcome === "timeout") {
        shared.gaveUp++;
        break;
      }
    }
    if (closedCode === undefined) {
      weClosed = true;
      socket.close(1000, "done");
    }
    const { code, reason } = await closed;
    if (!weClosed) countClose(shared, "websocket", code, reason);
  }
}

interface RawSession {
  session: WebTransport;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  datagrams: WritableStreamDefaultWriter<Uint8Array>;
  maxDatagramBytes: number;
  closed: Promise<{ code: number; reason: string }>;
}

async function openWebTransport(
  shared: Shared,
  path: string,
  onPacket: (p: Uint8Array) => void,
): Promise<RawSession | { code: number; reason: string }> {
  const host = new URL(shared.options.serverUrl).hostname;
  const session = new WebTransport(`https://${host}:${shared.webTransportInfo.port}${path}`, {
    serverCertificateHashes: shared.webTransportInfo.hashes,
  });
  const closed = session.closed.then(
    (info) => ({ code: info.closeCode ?? 0, reason: info.reason ?? "" }),
    (error) => ({ code: -1, reason: String(error) }),
  );
  const ready = await Promise.race([
    session.ready.then(
      () => true,
      () => false,
    ),
    closed.then(() => false),
  ]);
  if (!ready) return await closed;
  try {
    const stream = await session.createBidirectionalStream();
    const deframer = new StreamDeframer(MAX_PACKET_BYTES);
    void (async () => {
      try {
        for await (const chunk of stream.readable) deframer.push(chunk, onPacket);
      } catch {
        // the session ended
      }
    })();
    const datagramStream = session.datagrams as WebTransportDatagramDuplexStream & {
      createWritable?: () => WritableStream<Uint8Array>;
    };
    return {
      session,
      writer: stream.writable.getWriter(),
      datagrams: (datagramStream.createWritable?.() ?? datagramStream.writable).getWriter(),
      maxDatagramBytes: datagramStream.maxDatagramSize,
      closed,
    };
  } catch {
    try {
      session.close();
    } catch {
      // already closed
    }
    return await closed;
  }
}

/** A burst on the packet stream: framed packets, sometimes one lying length, split anywhere. */
function streamBurst(random: SeededRandom, packets: Uint8Array[]): { chunks: Uint8Array[]; lies: boolean } {
  const parts: Uint8Array[] = [];
  let lies = false;
  for (const packet of packets) {
    const frame = frameOnStream(packet);
    if (!lies && random.chance(0.002)) {
      lies = true;
      parts.push(lyingPrefix(random), frame.subarray(1 << ((frame[0] as number) >>> 6)));
    } else parts.push(frame);
  }
  let length = 0;
  for (const part of parts) length += part.length;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  const chunks: Uint8Array[] = [];
  let from = 0;
  while (from < bytes.length) {
    const to = random.chance(0.5)
      ? bytes.length
      : Math.min(bytes.length, from + 1 + random.int(bytes.length));
    chunks.push(bytes.subarray(from, to));
    from = to;
  }
  return { chunks, lies };
}

async function webTransportAttacker(shared: Shared, id: number): Promise<void> {
  const path = `/lobby/attacker-wt-${id}/${shared.options.meetingId}`;
  let burst = 0;
  while (!shared.stopped) {
    const waiter = new PongWaiter();
    const opened = await openWebTransport(shared, path, pongReader(waiter.onPong));
    if (!("session" in opened)) {
      countClose(shared, "webtransport", opened.code, opened.reason);
      continue;
    }
    shared.connections.webtransport++;
    const { session, writer, datagrams, maxDatagramBytes } = opened;
    let closedCode: number | undefined;
    void opened.closed.then(({ code }) => {
      closedCode = code;
    });
    let gaveUp = false;
    while (closedCode === undefined && !shared.stopped) {
      const random = new SeededRandom(inputSeed(shared.options.seed ^ (0x2000 + id), burst++));
      const packets = burstPackets(random, shared).map((p) => (p === "text" ? garbagePacket(random) : p));
      let lies = false;
      try {
        if (random.chance(0.3)) {
          for (const packet of packets) {
            // An empty datagram breaks Deno's datagram reader (network-regressions.test.ts keeps
            // that case): without this skip, every run would report that one known crash again.
            if (packet.length === 0 || packet.length > maxDatagramBytes) continue;
            datagrams.write(packet).catch(() => {});
            shared.sent.webtransportDatagram++;
          }
        } else {
          const framed = streamBurst(random, packets);
          lies = framed.lies;
          for (const chunk of framed.chunks) writer.write(chunk).catch(() => {});
          shared.sent.webtransportStream += packets.length;
        }
        const nonce = ++shared.nonce;
        writer.write(frameOnStream(ping(nonce))).catch(() => {});
        const outcome = await Promise.race([
          waiter.wait(nonce, lies ? STALL_TIMEOUT_MS : PONG_TIMEOUT_MS),
          opened.closed.then(() => "closed"),
        ]);
        if (outcome === "timeout") {
          gaveUp = true;
          break;
        }
      } catch {
        break; // the session went away under us; `closed` says how
      }
    }
    const weClosed = closedCode === undefined;
    if (weClosed) {
      if (gaveUp) shared.gaveUp++;
      try {
        session.close({ closeCode: 0, reason: gaveUp ? "gave up" : "done" });
      } catch {
        // already closed
      }
    }
    const { code, reason } = await opened.closed;
    if (!weClosed) countClose(shared, "webtransport", code, reason);
  }
}

/** The honest side: a publisher on WebTransport, a watcher on each transport. */
class HonestMeeting {
  readonly received = { websocket: [] as number[], webtransport: [] as number[] };
  readonly problems: string[] = [];
  framesSent = 0;
  undecodable = 0;
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

export async function runNetworkFuzz(options: NetworkFuzzOptions): Promise<NetworkReport> {
  const info = (await (await fetch(`${options.serverUrl}/api/webtransport`)).json()) as {
    port: number;
    certificateHashes: Array<{ valueBase64: string }>;
  };
  const shared: Shared = {
    options: {
      webSocketAttackers: 3,
      webTransportAttackers: 3,
      burstPackets: 16,
      garbageFraction: 0.1,
      meetingId: "fuzz",
      ...options,
    },
    stopped: false,
    nonce: 0,
    sent: { websocket: 0, webtransportStream: 0, webtransportDatagram: 0 },
    connections: { websocket: 0, webtransport: 0 },
    closeCodes: { websocket: new Map(), webtransport: new Map() },
    closeReasons: {},
    gaveUp: 0,
    knownSessions: [],
    webTransportInfo: {
      port: info.port,
      hashes: info.certificateHashes.map((h) => ({
        algorithm: "sha-256" as const,
        value: Uint8Array.from(atob(h.valueBase64), (c) => c.charCodeAt(0)),
      })),
    },
  };
  // The client library warns once per malformed packet it drops; attackers' garbage that the relay
  // forwards (it never parses media payloads) would flood the output, so count instead.
  const warn = console.warn;
  let undecodable = 0;
  console.warn = (...args: unknown[]) => {
    if (String(args[0]).startsWith("dropping a malformed packet")) undecodable++;
    else warn(...args);
  };
  const honest = await HonestMeeting.join(options.serverUrl, shared.options.meetingId);
  shared.knownSessions.push(honest.publisher.sessionId);
  const ticks = await clockTicksPerSecond();
  const serverCpu = () =>
    options.serverPid === undefined ? undefined : processCpuSeconds(options.serverPid, ticks);
  const serverCpuBefore = serverCpu();
  const fuzzerCpuBefore = process.cpuUsage();
  const loadBefore = Deno.loadavg()[0];
  const started = performance.now();
  let inputs = { websocket: 0, webtransport: 0 };
  try {
    honest.start();
    const attackers = [
      ...Array.from({ length: shared.options.webSocketAttackers }, (_, i) => webSocketAttacker(shared, i)),
      ...Array.from({ length: shared.options.webTransportAttackers }, (_, i) =>
        webTransportAttacker(shared, i),
      ),
    ];
    let lastProgress = started;
    while (!shared.stopped) {
      await new Promise((r) => setTimeout(r, 250));
      inputs = await processedInputs(options.serverUrl, honest);
      const elapsedMs = performance.now() - started;
      if (inputs.websocket + inputs.webtransport >= options.inputs || elapsedMs >= options.maxDurationMs) {
        shared.stopped = true;
      }
      if (performance.now() - lastProgress >= 1000) {
        lastProgress = performance.now();
        let closes = 0;
        for (const codes of Object.values(shared.closeCodes))
          for (const count of codes.values()) closes += count;
        options.onProgress?.({ elapsedMs, inputs: inputs.websocket + inputs.webtransport, closes });
      }
    }
    await Promise.all(attackers);
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
    return {
      seed: options.seed,
      elapsedMs,
      inputs,
      inputsPerSecond: {
        websocket: perSecond(inputs.websocket),
        webtransport: perSecond(inputs.webtransport),
        total: perSecond(inputs.websocket + inputs.webtransport),
      },
      sent: shared.sent,
      connections: shared.connections,
      closeCodes: {
        websocket: Object.fromEntries([...shared.closeCodes.websocket].sort(([a], [b]) => a - b)),
        webtransport: Object.fromEntries([...shared.closeCodes.webtransport].sort(([a], [b]) => a - b)),
      },
      closeReasons: shared.closeReasons,
      gaveUp: shared.gaveUp,
      honestFramesSent: honest.framesSent,
      honestFramesReceived: {
        websocket: honest.received.websocket.length,
        webtransport: honest.received.webtransport.length,
      },
      honestProblems,
      undecodableAtWatchers: undecodable,
      serverBadInput: badInputByReason(metrics),
      serverInternalErrors: sumInternalErrors(metrics),
      healthzStatus: healthz.status,
      cpuSeconds: { server: serverCpuSeconds, fuzzer: (fuzzerCpu.user + fuzzerCpu.system) / 1e6 },
      inputsPerServerCpuSecond: serverCpuSeconds ? Math.round(totalInputs / serverCpuSeconds) : undefined,
      loadAverage: [loadBefore ?? 0, Deno.loadavg()[0] ?? 0],
    };
  } finally {
    shared.stopped = true;
    honest.stop();
    await honest.leave();
    console.warn = warn;
  }
}
