/** A connection's place in its IP's count; release it once, when the connection is gone. */
export interface ConnectionSlot {
  release(): void;
}

/**
 * Open connections per client IP, WebSocket and WebTransport together. A map entry exists only
 * while its IP has a connection open, so the map never outgrows the open connections.
 */
export class ConnectionsPerIp {
  readonly #maxPerIp: number;
  readonly #open = new Map<string, number>();

  constructor(maxPerIp: number) {
    this.#maxPerIp = maxPerIp;
  }

  openFrom(ip: string): number {
    return this.#open.get(ip) ?? 0;
  }

  /** A slot for one more connection from `ip`, or undefined when it has the most it may have. */
  tryAcquire(ip: string): ConnectionSlot | undefined {
    const open = this.#open.get(ip) ?? 0;
    if (open >= this.#maxPerIp) return undefined;
    this.#open.set(ip, open + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = (this.#open.get(ip) ?? 1) - 1;
        if (left <= 0) this.#open.delete(ip);
        else this.#open.set(ip, left);
      },
    };
  }
}

/** IPv4-mapped IPv6 (::ffff:1.2.3.4, as a dual-stack QUIC socket reports IPv4 peers) counts as the IPv4 address. */
export function normalizeIp(hostname: string): string {
  const lower = hostname.toLowerCase();
  return lower.startsWith("::ffff:") && lower.includes(".") ? lower.slice(7) : lower;
}
