import { TokenBucket } from "./token-bucket.ts";

/** What to do with one packet: forward it, drop it (and why), or close the connection (4006). */
export type RateVerdict = "pass" | "packet_rate" | "byte_rate" | "close";

/** Media of these classes draws from separate budgets, so a client's own video never starves its audio or pings. */
export type TrafficClass = "video" | "audio_and_control";

export interface RateLimits {
  maxPacketsPerSecond: number;
  maxBytesPerSecond: number;
  /** The largest packet: one always fits the byte burst, so a maximal key frame is never refused for its size. */
  maxPacketBytes: number;
}

const WINDOW_MS = 1000;
/** Windows in a row whose drops exceed the rate before the connection is closed. */
const ABUSIVE_WINDOWS_TO_CLOSE = 2;

interface ClassBudget {
  packets: TokenBucket;
  bytes: TokenBucket;
}

/**
 * One connection's send budget: a packet and a byte token bucket per traffic class, each at the
 * configured rate with a burst of one second (bytes: at least one maximal packet). A packet over
 * budget is dropped. A connection that keeps sending at twice its budget or more (its drops in a
 * one-second window exceed the rate, for two windows in a row) is closed: dropping alone would
 * still cost the relay a read and a scan per packet.
 */
export class ConnectionRateLimiter {
  readonly #video: ClassBudget;
  readonly #audioAndControl: ClassBudget;
  readonly #maxPacketsPerSecond: number;
  readonly #maxBytesPerSecond: number;
  #windowStartMs: number;
  #windowDroppedPackets = 0;
  #windowDroppedBytes = 0;
  #windowAbusive = false;
  #abusiveWindowsInARow = 0;
  /** Which budget the latest dropped packet was over. */
  lastDropLimit: "packet_rate" | "byte_rate" = "packet_rate";

  constructor(limits: RateLimits, nowMs: number) {
    this.#maxPacketsPerSecond = limits.maxPacketsPerSecond;
    this.#maxBytesPerSecond = limits.maxBytesPerSecond;
    const byteBurst = Math.max(limits.maxBytesPerSecond, limits.maxPacketBytes);
    const budget = (): ClassBudget => ({
      packets: new TokenBucket(limits.maxPacketsPerSecond, limits.maxPacketsPerSecond, nowMs),
      bytes: new TokenBucket(limits.maxBytesPerSecond, byteBurst, nowMs),
    });
    this.#video = budget();
    this.#audioAndControl = budget();
    this.#windowStartMs = nowMs;
  }

  /** Charges one packet of `bytes` to `trafficClass` at `nowMs`. */
  admit(trafficClass: TrafficClass, bytes: number, nowMs: number): RateVerdict {
    const budget = trafficClass === "video" ? this.#video : this.#audioAndControl;
    // Both buckets or neither: a packet refused for its bytes must not also spend a packet token.
    const packetsLeft = budget.packets.available(nowMs);
    const bytesLeft = budget.bytes.available(nowMs);
    if (packetsLeft >= 1 && bytesLeft >= bytes) {
      budget.packets.take(1);
      budget.bytes.take(bytes);
      return "pass";
    }
    this.lastDropLimit = packetsLeft < 1 ? "packet_rate" : "byte_rate";
    return this.#countDrop(bytes, nowMs) ? "close" : this.lastDropLimit;
  }

  /** Returns true when this drop makes the connection abusive for the second window in a row. */
  #countDrop(bytes: number, nowMs: number): boolean {
    const elapsedMs = nowMs - this.#windowStartMs;
    if (elapsedMs >= WINDOW_MS) {
      const windows = Math.floor(elapsedMs / WINDOW_MS);
      // Only the window just before this one counts as "in a row"; a quiet gap resets it.
      this.#abusiveWindowsInARow = windows === 1 && this.#windowAbusive ? this.#abusiveWindowsInARow : 0;
      this.#windowStartMs += windows * WINDOW_MS;
      this.#windowDroppedPackets = 0;
      this.#windowDroppedBytes = 0;
      this.#windowAbusive = false;
    }
    this.#windowDroppedPackets++;
    this.#windowDroppedBytes += bytes;
    if (
      !this.#windowAbusive &&
      (this.#windowDroppedPackets > this.#maxPacketsPerSecond ||
        this.#windowDroppedBytes > this.#maxBytesPerSecond)
    ) {
      this.#windowAbusive = true;
      this.#abusiveWindowsInARow++;
    }
    return this.#abusiveWindowsInARow >= ABUSIVE_WINDOWS_TO_CLOSE;
  }
}
