import { Histogram } from "prom-client";

/**
 * Join time (seconds), from Relay.admit to the Welcome: a few ms on loopback; the admitter (a
 * database lookup, a password hash) and the WebSocket upgrade are in it, so the tail reaches seconds.
 */
export const JOIN_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Forwarding time (seconds) of one client packet through the relay: microseconds normally; past a
 * millisecond the node's event loop is saturated.
 */
export const FORWARDING_SECONDS_BUCKETS = [
  0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
];

/** One forwarded packet in this many is timed, so the per-packet path pays a countdown, not a clock read. */
export const FORWARDING_SAMPLE_EVERY = 64;

/**
 * Times joins: `requested` when Relay.admit starts, `welcomed` when the Welcome is sent. Keyed by
 * the Admission object the relay hands from one to the other, so neither transport nor the
 * admitter carries a timestamp; a refused or abandoned join leaves nothing behind (a WeakMap).
 */
export class JoinTimer {
  readonly histogram = new Histogram({
    name: "videocall_join_seconds",
    help: "Time from a join request (Relay.admit: admitter, capacity checks, WebSocket upgrade) to the Welcome",
    buckets: JOIN_SECONDS_BUCKETS,
    registers: [],
  });
  readonly #requestedAtMs = new WeakMap<object, number>();

  requested(admission: object, atMs: number): void {
    this.#requestedAtMs.set(admission, atMs);
  }

  welcomed(admission: object, nowMs: number = performance.now()): void {
    const requestedAtMs = this.#requestedAtMs.get(admission);
    if (requestedAtMs === undefined) return; // accepted without admit() (unit tests)
    this.#requestedAtMs.delete(admission);
    this.histogram.observe((nowMs - requestedAtMs) / 1000);
  }
}

/**
 * Times one packet in `sampleEvery` through the relay's forwarding path. `start` returns the
 * clock reading for a sampled packet and undefined for the others; `stop` takes it back.
 */
export class SampledForwardingTimer {
  readonly histogram = new Histogram({
    name: "videocall_forwarding_seconds",
    help: `Time the relay takes to forward one client packet (media, key frame request): stamp, fan-out to local subscriber queues or sockets, bus publish; 1 packet in ${FORWARDING_SAMPLE_EVERY} is timed`,
    buckets: FORWARDING_SECONDS_BUCKETS,
    registers: [],
  });
  readonly #sampleEvery: number;
  #untilNextSample: number;

  constructor(sampleEvery: number = FORWARDING_SAMPLE_EVERY) {
    this.#sampleEvery = sampleEvery;
    this.#untilNextSample = sampleEvery;
  }

  start(): number | undefined {
    if (--this.#untilNextSample > 0) return undefined;
    this.#untilNextSample = this.#sampleEvery;
    return performance.now();
  }

  stop(startedAtMs: number | undefined): void {
    if (startedAtMs === undefined) return;
    this.histogram.observe((performance.now() - startedAtMs) / 1000);
  }
}
