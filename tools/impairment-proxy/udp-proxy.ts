import { DelayLine } from "./delay-line.ts";
import type { LinkImpairment } from "./link-impairment.ts";

export interface HostPort {
  hostname: string;
  port: number;
}

export interface UdpProxyOptions {
  listen: HostPort;
  target: HostPort;
  /** Client → target. */
  up: LinkImpairment;
  /** Target → client. */
  down: LinkImpairment;
  /** A client address silent this long loses its socket to the target (QUIC's idle timeout is ~30 s). */
  idleTimeoutMs?: number;
  /** At most this many client addresses at once; datagrams from more are dropped. */
  maxSessions?: number;
}

export interface UdpProxyCounters {
  sessions: number;
  /** Datagrams from new client addresses beyond maxSessions. */
  refusedDatagrams: number;
}

/** One client 4-tuple: its own socket toward the target, so the target sees one peer per client. */
interface UdpSession {
  key: string;
  client: Deno.NetAddr;
  socket: Deno.DatagramConn;
  lastActiveMs: number;
}

interface InFlightDatagram {
  session: UdpSession;
  bytes: Uint8Array;
}

const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_SESSIONS = 256;
const MAX_DATAGRAM_BYTES = 65_536;

/**
 * A UDP proxy for QUIC (WebTransport): datagrams from each client address go out through a socket
 * of their own to the target, and the target's answers come back to that client, each direction
 * through its LinkImpairment. Jitter may reorder datagrams, as on real paths; QUIC copes.
 */
export class UdpImpairmentProxy {
  readonly #options: UdpProxyOptions;
  readonly #listener: Deno.DatagramConn;
  readonly #sessions = new Map<string, UdpSession>();
  readonly #upLine: DelayLine<InFlightDatagram>;
  readonly #downLine: DelayLine<InFlightDatagram>;
  readonly #idleSweep: ReturnType<typeof setInterval>;
  #refusedDatagrams = 0;
  #closed = false;

  constructor(options: UdpProxyOptions) {
    this.#options = options;
    this.#listener = Deno.listenDatagram({ transport: "udp", ...options.listen });
    this.#upLine = new DelayLine(({ session, bytes }) => {
      if (this.#sessions.get(session.key) !== session) return; // closed while in flight
      session.socket.send(bytes, { transport: "udp", ...options.target }).then(
        () => options.up.countDelivered(bytes.length),
        () => {}, // a send error is a lost datagram, as on the wire
      );
    });
    this.#downLine = new DelayLine(({ session, bytes }) => {
      if (this.#closed) return;
      this.#listener.send(bytes, session.client).then(
        () => options.down.countDelivered(bytes.length),
        () => {},
      );
    });
    const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#idleSweep = setInterval(() => this.#closeIdle(idleTimeoutMs), Math.min(idleTimeoutMs / 4, 5000));
    void this.#receiveFromClients();
  }

  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  counters(): UdpProxyCounters {
    return { sessions: this.#sessions.size, refusedDatagrams: this.#refusedDatagrams };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#idleSweep);
    this.#upLine.close();
    this.#downLine.close();
    for (const session of [...this.#sessions.values()]) this.#closeSession(session);
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
  }

  async #receiveFromClients(): Promise<void> {
    const buffer = new Uint8Array(MAX_DATAGRAM_BYTES);
    while (!this.#closed) {
      let received: [Uint8Array, Deno.Addr];
      try {
        received = await this.#listener.receive(buffer);
      } catch {
        if (this.#closed) return;
        await pause(); // e.g. ICMP port unreachable reported on the socket: not fatal for the proxy
        continue;
      }
      const [data, from] = received;
      if (from.transport !== "udp") continue;
      const session = this.#sessionFor(from);
      if (!session) {
        this.#refusedDatagrams++;
        continue;
      }
      session.lastActiveMs = performance.now();
      const bytes = data.slice(); // the buffer is reused for the next datagram
      const admission = this.#options.up.admit(bytes.length, performance.now(), "datagram");
      if (admission.kind === "deliver") this.#upLine.push({ session, bytes }, admission.atMs);
    }
  }

  #sessionFor(client: Deno.NetAddr): UdpSession | undefined {
    const key = `${client.hostname}|${client.port}`;
    const existing = this.#sessions.get(key);
    if (existing) return existing;
    if (this.#sessions.size >= (this.#options.maxSessions ?? DEFAULT_MAX_SESSIONS)) return undefined;
    const socket = Deno.listenDatagram({
      transport: "udp",
      hostname: this.#options.target.hostname,
      port: 0,
    });
    const session: UdpSession = { key, client, socket, lastActiveMs: performance.now() };
    this.#sessions.set(key, session);
    void this.#receiveFromTarget(session);
    return session;
  }

  async #receiveFromTarget(session: UdpSession): Promise<void> {
    const buffer = new Uint8Array(MAX_DATAGRAM_BYTES);
    while (this.#sessions.get(session.key) === session) {
      let received: [Uint8Array, Deno.Addr];
      try {
        received = await session.socket.receive(buffer);
      } catch {
        if (this.#sessions.get(session.key) !== session) return;
        await pause();
        continue;
      }
      const [data, from] = received;
      // Only the target answers on this socket; anything else on loopback is not the relay.
      if (from.transport !== "udp" || from.port !== this.#options.target.port) continue;
      session.lastActiveMs = performance.now();
      const bytes = data.slice();
      const admission = this.#options.down.admit(bytes.length, performance.now(), "datagram");
      if (admission.kind === "deliver") this.#downLine.push({ session, bytes }, admission.atMs);
    }
  }

  #closeIdle(idleTimeoutMs: number): void {
    const nowMs = performance.now();
    for (const session of [...this.#sessions.values()]) {
      if (nowMs - session.lastActiveMs > idleTimeoutMs) this.#closeSession(session);
    }
  }

  #closeSession(session: UdpSession): void {
    this.#sessions.delete(session.key);
    try {
      session.socket.close();
    } catch {
      // already closed
    }
  }
}

function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1));
}
