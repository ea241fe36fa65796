import type { LinkProfile } from "./link-profile.ts";
import { PERFECT_LINK } from "./link-profile.ts";
import { LossModel } from "./loss-model.ts";
import type { RandomSource } from "./seeded-random.ts";

export type DropReason = "random-loss" | "burst-loss" | "queue-full";

export type Admission =
  /** `retransmitted`: a stream segment the loss model hit, delivered late instead of lost. */
  { kind: "deliver"; atMs: number; retransmitted: boolean } | { kind: "drop"; reason: DropReason };

/**
 * Datagrams (UDP) may be lost, and a full queue drops them. A stream (TCP) never loses bytes: a
 * segment the loss model hits arrives one retransmission later, and the sender waits for room in
 * the queue instead (waitForRoomMs), as TCP's flow control makes it.
 */
export type Carriage = "datagram" | "stream";

export interface DirectionCounters {
  packetsIn: number;
  bytesIn: number;
  packetsDelivered: number;
  bytesDelivered: number;
  dropped: Record<DropReason, number>;
  /** Stream segments hit by loss, delivered after a retransmission delay. */
  retransmitted: number;
  /** Bytes waiting for the bottleneck right now. */
  queuedBytes: number;
}

/**
 * A retransmission costs a stream this much more than its delay at least: Linux's minimum
 * retransmission timeout is 200 ms, fast retransmit about one round trip. We take the round trip,
 * estimated as twice this direction's delay, with a floor for loopback-like delays.
 */
const MIN_RETRANSMIT_PENALTY_MS = 20;

/**
 * One direction of the link: loss, a bottleneck of `rateBitsPerSecond` with a bounded queue, then
 * delay and jitter. Pure bookkeeping on an injected clock (`nowMs` arguments): it decides when each
 * packet arrives, the proxy's sockets and timers carry it out. The bottleneck is shared by everything
 * this direction carries (all UDP sessions and TCP connections), like one access link.
 */
export class LinkImpairment {
  #profile: LinkProfile = PERFECT_LINK;
  readonly #random: RandomSource;
  readonly #loss: LossModel;
  /** Bytes waiting for the bottleneck as of #backlogAtMs; drains at the current rate. */
  #backlogBytes = 0;
  #backlogAtMs = 0;
  /** The latest arrival handed out for a datagram, to keep them in order unless the profile reorders. */
  #lastDatagramArrivalMs = 0;
  readonly #counters: DirectionCounters = {
    packetsIn: 0,
    bytesIn: 0,
    packetsDelivered: 0,
    bytesDelivered: 0,
    dropped: { "random-loss": 0, "burst-loss": 0, "queue-full": 0 },
    retransmitted: 0,
    queuedBytes: 0,
  };

  constructor(random: RandomSource, profile: LinkProfile = PERFECT_LINK) {
    this.#random = random;
    this.#loss = new LossModel(random);
    this.#profile = profile;
  }

  get profile(): LinkProfile {
    return this.#profile;
  }

  /**
   * Applies from the next packet on; packets already admitted keep their arrival times. Like a new
   * path, the next packet may arrive before those (a lifted cap or a shorter delay shows at once).
   */
  setProfile(profile: LinkProfile, nowMs: number): void {
    this.#drain(nowMs); // the backlog so far drained at the old rate
    this.#profile = profile;
    this.#lastDatagramArrivalMs = 0;
    if (profile.rateBitsPerSecond === undefined) this.#backlogBytes = 0;
  }

  queuedBytes(nowMs: number): number {
    this.#drain(nowMs);
    return this.#backlogBytes;
  }

  /** How long a stream sender waits before `sizeBytes` fit the queue (0: now). */
  waitForRoomMs(sizeBytes: number, nowMs: number): number {
    const rate = this.#profile.rateBitsPerSecond;
    if (rate === undefined) return 0;
    const backlog = this.queuedBytes(nowMs);
    const excessBytes = backlog + sizeBytes - Math.max(this.#profile.queueBytes, sizeBytes);
    return excessBytes <= 0 ? 0 : (excessBytes * 8000) / rate;
  }

  admit(sizeBytes: number, nowMs: number, carriage: Carriage): Admission {
    const profile = this.#profile;
    this.#counters.packetsIn++;
    this.#counters.bytesIn += sizeBytes;
    const loss = this.#loss.judge(profile);
    let penaltyMs = 0;
    if (loss !== "kept") {
      if (carriage === "datagram") return this.#drop(loss);
      penaltyMs = Math.max(MIN_RETRANSMIT_PENALTY_MS, 2 * profile.delayMs);
      this.#counters.retransmitted++;
    }
    let departureMs = nowMs;
    const rate = profile.rateBitsPerSecond;
    if (rate !== undefined) {
      const backlog = this.queuedBytes(nowMs);
      // A packet larger than the whole queue still passes an empty one.
      if (carriage === "datagram" && backlog > 0 && backlog + sizeBytes > profile.queueBytes) {
        return this.#drop("queue-full");
      }
      this.#backlogBytes = backlog + sizeBytes;
      departureMs = nowMs + (this.#backlogBytes * 8000) / rate;
    }
    const jitterMs = profile.jitterMs === 0 ? 0 : (this.#random.next() * 2 - 1) * profile.jitterMs;
    let atMs = departureMs + Math.max(0, profile.delayMs + jitterMs) + penaltyMs;
    // (Streams keep their order per connection: the TCP proxy does that, since connections share this link.)
    if (carriage === "datagram" && !profile.reorder) {
      atMs = Math.max(atMs, this.#lastDatagramArrivalMs);
      this.#lastDatagramArrivalMs = atMs;
    }
    return { kind: "deliver", atMs, retransmitted: penaltyMs > 0 };
  }

  /** The proxy calls this once a packet has been handed to its socket. */
  countDelivered(sizeBytes: number): void {
    this.#counters.packetsDelivered++;
    this.#counters.bytesDelivered += sizeBytes;
  }

  counters(nowMs: number): DirectionCounters {
    return {
      ...this.#counters,
      dropped: { ...this.#counters.dropped },
      queuedBytes: Math.round(this.queuedBytes(nowMs)),
    };
  }

  #drop(reason: DropReason): Admission {
    this.#counters.dropped[reason]++;
    return { kind: "drop", reason };
  }

  #drain(nowMs: number): void {
    const rate = this.#profile.rateBitsPerSecond;
    if (rate !== undefined && nowMs > this.#backlogAtMs) {
      this.#backlogBytes = Math.max(0, this.#backlogBytes - ((nowMs - this.#backlogAtMs) * rate) / 8000);
    }
    this.#backlogAtMs = Math.max(this.#backlogAtMs, nowMs);
  }
}
