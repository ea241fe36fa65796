import { DelayLine } from "./delay-line.ts";
import type { LinkImpairment } from "./link-impairment.ts";
import type { HostPort } from "./udp-proxy.ts";

export interface TcpProxyOptions {
  listen: HostPort;
  target: HostPort;
  /** Client → target. */
  up: LinkImpairment;
  /** Target → client. */
  down: LinkImpairment;
  /** At most this many client connections at once; more are closed at once. */
  maxConnections?: number;
}

export interface TcpProxyCounters {
  connections: number;
  refusedConnections: number;
}

/**
 * About one TCP segment (Ethernet MTU less headers): the proxy reads at most this much at a time, so
 * the loss models and the cap act per segment, as on the wire.
 */
const SEGMENT_BYTES = 1448;
/**
 * Bytes one direction of a connection may have on the delay line: the proxy stops reading its
 * sender beyond it (a receive window), so a fast sender cannot fill the proxy's memory.
 */
const MAX_IN_FLIGHT_BYTES = 4 * 1024 * 1024;
const DEFAULT_MAX_CONNECTIONS = 256;

/**
 * A TCP proxy for WebSocket: each client connection gets its own connection to the target, and each
 * direction's bytes pass through its LinkImpairment. Bytes never reorder or go missing: jitter
 * stretches gaps but a segment never overtakes the one before it, loss costs a retransmission
 * delay, and a full queue stops reading the sender (backpressure) instead of dropping.
 */
export class TcpImpairmentProxy {
  readonly #options: TcpProxyOptions;
  readonly #listener: Deno.Listener;
  readonly #connections = new Set<ProxiedConnection>();
  #refusedConnections = 0;
  #closed = false;

  constructor(options: TcpProxyOptions) {
    this.#options = options;
    this.#listener = Deno.listen({ transport: "tcp", ...options.listen });
    void this.#accept();
  }

  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  counters(): TcpProxyCounters {
    return { connections: this.#connections.size, refusedConnections: this.#refusedConnections };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    for (const connection of [...this.#connections]) connection.close();
  }

  async #accept(): Promise<void> {
    try {
      for await (const client of this.#listener) {
        if (
          this.#closed ||
          this.#connections.size >= (this.#options.maxConnections ?? DEFAULT_MAX_CONNECTIONS)
        ) {
          this.#refusedConnections++;
          closeQuietly(client);
          continue;
        }
        void this.#carry(client);
      }
    } catch {
      // the listener closed
    }
  }

  async #carry(client: Deno.Conn): Promise<void> {
    let target: Deno.Conn;
    try {
      target = await Deno.connect({ transport: "tcp", ...this.#options.target });
    } catch {
      closeQuietly(client);
      return;
    }
    const connection = new ProxiedConnection(client, target);
    this.#connections.add(connection);
    if (this.#closed) connection.close();
    await Promise.allSettled([
      connection.pump(client, target, this.#options.up),
      connection.pump(target, client, this.#options.down),
    ]);
    connection.close();
    this.#connections.delete(connection);
  }
}

/** One client connection and its connection to the target; either side closing closes both. */
class ProxiedConnection {
  readonly #client: Deno.Conn;
  readonly #target: Deno.Conn;
  readonly #lines: Array<DelayLine<Uint8Array>> = [];
  #closed = false;

  constructor(client: Deno.Conn, target: Deno.Conn) {
    this.#client = client;
    this.#target = target;
  }

  /** Carries `from`'s bytes to `to` through `link` until either side ends. */
  async pump(from: Deno.Conn, to: Deno.Conn, link: LinkImpairment): Promise<void> {
    let inFlightBytes = 0;
    let roomForMore = Promise.withResolvers<void>();
    // Arrivals are written one after another: the line hands them over in order, and a write
    // waits for the one before (the reader may be slow: that is backpressure too).
    let writing = Promise.resolve();
    const line = new DelayLine<Uint8Array>((bytes) => {
      writing = writing.then(async () => {
        if (this.#closed) return;
        await writeAll(to, bytes);
        link.countDelivered(bytes.length);
        inFlightBytes -= bytes.length;
        roomForMore.resolve();
      });
      writing.catch(() => this.close());
    });
    this.#lines.push(line);
    const buffer = new Uint8Array(SEGMENT_BYTES);
    let lastArrivalMs = 0;
    while (!this.#closed) {
      while (inFlightBytes >= MAX_IN_FLIGHT_BYTES) {
        roomForMore = Promise.withResolvers<void>();
        await roomForMore.promise;
        if (this.#closed) return;
      }
      const waitMs = link.waitForRoomMs(SEGMENT_BYTES, performance.now());
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      const n = await from.read(buffer).catch(() => null);
      if (n === null || this.#closed) break;
      const bytes = buffer.slice(0, n);
      const admission = link.admit(n, performance.now(), "stream");
      if (admission.kind !== "deliver") {
        this.close(); // admit never drops a stream (see Carriage): losing bytes silently would corrupt it
        break;
      }
      // A segment never overtakes the one before it: jitter and retransmissions delay what follows.
      lastArrivalMs = Math.max(lastArrivalMs, admission.atMs);
      inFlightBytes += n;
      line.push(bytes, lastArrivalMs);
    }
    // The sender finished: deliver what is on the line, then close the other side's writing half.
    while (line.size > 0 && !this.#closed) await new Promise((resolve) => setTimeout(resolve, 5));
    await writing.catch(() => {});
    if (!this.#closed) await to.closeWrite().catch(() => this.close());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const line of this.#lines) line.close();
    closeQuietly(this.#client);
    closeQuietly(this.#target);
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}
