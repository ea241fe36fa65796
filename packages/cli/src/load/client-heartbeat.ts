/**
 * Pings as a real client sends them: the Welcome says how often a client must send something
 * (`heartbeat_interval_ms`), and the relay closes a connection that stays silent (4008 before its
 * first packet, a heartbeat timeout after). Receive-only bots would otherwise send nothing at all.
 * One timer serves every bot; each pings once per its interval, spread by when it joined.
 */
import type { PacketTransport } from "@videocall/client";
import { encodePacket } from "@videocall/protocol";

/** One Ping for everyone: the relay answers with the same nonce, which bots ignore. */
const PING_PACKET = encodePacket({ body: { case: "ping", value: { nonce: 1, sentTimeUs: 0n } } });
const CHECK_INTERVAL_MS = 250;
/** Welcome without an interval (an older relay): ping this often. */
const DEFAULT_INTERVAL_MS = 5000;

interface Pinger {
  transport: PacketTransport;
  intervalMs: number;
  nextPingMs: number;
}

export class ClientHeartbeat {
  readonly #pingers = new Set<Pinger>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Starts pinging `transport` every `intervalMs` (the Welcome's heartbeat_interval_ms); the first ping at once. */
  add(transport: PacketTransport, intervalMs: number): void {
    const interval = intervalMs > 0 ? intervalMs : DEFAULT_INTERVAL_MS;
    transport.send(PING_PACKET);
    this.#pingers.add({ transport, intervalMs: interval, nextPingMs: performance.now() + interval });
    this.#timer ??= setInterval(() => this.#tick(), CHECK_INTERVAL_MS);
  }

  #tick(): void {
    const nowMs = performance.now();
    for (const pinger of this.#pingers) {
      if (nowMs < pinger.nextPingMs) continue;
      pinger.nextPingMs = nowMs + pinger.intervalMs;
      pinger.transport.send(PING_PACKET);
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#pingers.clear();
  }
}
