/**
 * The network fuzzer's attackers, run in their own processes (attacker-process.ts) so that their
 * traffic never delays the honest clients' timers. Each attacker joins the meeting, sends
 * bursts of generated packets ended by a Ping, waits for the Pong (the server got through the
 * burst) or the close, counts the close code, and reconnects.
 */
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
import { garbagePacket, lyingPrefix, survivablePacket } from "./inputs.ts";
import { inputSeed, SeededRandom } from "./prng.ts";

export type Transport = "websocket" | "webtransport";

/** What an attacker process needs (JSON). */
export interface AttackerConfig {
  serverUrl: string;
  meetingId: string;
  seed: number;
  /** Attacker ids: they name the connections and seed their bursts. */
  webSocketIds: number[];
  webTransportIds: number[];
  burstPackets: number;
  garbageFraction: number;
  /** Session ids an attacker may aim key frame requests at (the honest publisher's). */
  knownSessions: number[];
  /** The server's WebTransport port and its certificate's SHA-256 hashes (base64), from /api/webtransport. */
  webTransport: { port: number; certificateHashesBase64: string[] };
}

/** What the attackers did (JSON). */
export interface AttackerStats {
  sent: { websocket: number; webtransportStream: number; webtransportDatagram: number };
  connections: { websocket: number; webtransport: number };
  closeCodes: Record<Transport, Record<string, number>>;
  closeReasons: Record<string, string>;
  gaveUp: number;
  garbagePackets: number;
}

export function emptyStats(): AttackerStats {
  return {
    sent: { websocket: 0, webtransportStream: 0, webtransportDatagram: 0 },
    connections: { websocket: 0, webtransport: 0 },
    closeCodes: { websocket: {}, webtransport: {} },
    closeReasons: {},
    gaveUp: 0,
    garbagePackets: 0,
  };
}

/** Adds `more` into `total`. */
export function addStats(total: AttackerStats, more: AttackerStats): void {
  total.sent.websocket += more.sent.websocket;
  total.sent.webtransportStream += more.sent.webtransportStream;
  total.sent.webtransportDatagram += more.sent.webtransportDatagram;
  total.connections.websocket += more.connections.websocket;
  total.connections.webtransport += more.connections.webtransport;
  for (const transport of ["websocket", "webtransport"] as const) {
    for (const [code, count] of Object.entries(more.closeCodes[transport])) {
      total.closeCodes[transport][code] = (total.closeCodes[transport][code] ?? 0) + count;
    }
  }
  for (const [key, reason] of Object.entries(more.closeReasons)) total.closeReasons[key] ??= reason;
  total.gaveUp += more.gaveUp;
  total.garbagePackets += more.garbagePackets;
}

const PONG_TIMEOUT_MS = 2000;
/** After a burst with a lying length prefix the Pong may never come: give up sooner. */
const STALL_TIMEOUT_MS = 300;

interface Shared extends AttackerStats {
  options: AttackerConfig;
  stopped: boolean;
  nonce: number;
}

function countClose(shared: Shared, transport: Transport, code: number, reason: string): void {
  const codes = shared.closeCodes[transport];
  codes[code] = (codes[code] ?? 0) + 1;
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
    else if (random.chance(garbageFraction)) {
      packets.push(garbagePacket(random));
      shared.garbagePackets++;
    } else packets.push(survivablePacket(random, shared.options.knownSessions));
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
  const session = new WebTransport(`https://${host}:${shared.options.webTransport.port}${path}`, {
    serverCertificateHashes: shared.options.webTransport.certificateHashesBase64.map((base64) => ({
      algorithm: "sha-256",
      value: Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)),
    })),
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

/** Runs the attackers of one process until `stop()`. */
export class AttackerGroup {
  readonly #shared: Shared;
  #running: Promise<unknown> | undefined;

  constructor(config: AttackerConfig) {
    this.#shared = { ...emptyStats(), options: config, stopped: false, nonce: 0 };
  }

  start(): void {
    const shared = this.#shared;
    this.#running = Promise.all([
      ...shared.options.webSocketIds.map((id) => webSocketAttacker(shared, id)),
      ...shared.options.webTransportIds.map((id) => webTransportAttacker(shared, id)),
    ]);
  }

  stats(): AttackerStats {
    const { sent, connections, closeCodes, closeReasons, gaveUp, garbagePackets } = this.#shared;
    return structuredClone({ sent, connections, closeCodes, closeReasons, gaveUp, garbagePackets });
  }

  /** Stops after the current bursts (each waits at most for its Pong timeout). */
  async stop(): Promise<AttackerStats> {
    this.#shared.stopped = true;
    await this.#running;
    return this.stats();
  }
}
