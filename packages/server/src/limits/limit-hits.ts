import type { Logger } from "../observability/log.ts";
import type { RelayStats } from "../observability/relay-stats.ts";
import type { LimitLabel } from "./relay-limits.ts";

const LOG_INTERVAL_MS = 1000;

/**
 * Counts limit hits for /metrics and logs them without letting a flood flood the log: at most one
 * line per limit per second, carrying how many hits it stands for. Per-packet hits (rate, queue)
 * are counted here too; the relay logs those once per connection itself.
 */
export class LimitHits {
  readonly #stats: RelayStats;
  readonly #log: Logger;
  readonly #lastLoggedMs = new Map<LimitLabel, number>();
  readonly #unlogged = new Map<LimitLabel, number>();

  constructor(stats: RelayStats, log: Logger) {
    this.#stats = stats;
    this.#log = log;
  }

  /** Counts one hit; no log. */
  count(limit: LimitLabel): void {
    this.#stats.limitHits[limit]++;
  }

  /** Counts one hit and logs it, unless this limit was logged less than a second ago. */
  report(limit: LimitLabel, details: Record<string, unknown>, message: string): void {
    this.count(limit);
    const nowMs = performance.now();
    const last = this.#lastLoggedMs.get(limit);
    if (last !== undefined && nowMs - last < LOG_INTERVAL_MS) {
      this.#unlogged.set(limit, (this.#unlogged.get(limit) ?? 0) + 1);
      return;
    }
    const suppressed = this.#unlogged.get(limit) ?? 0;
    this.#unlogged.delete(limit);
    this.#lastLoggedMs.set(limit, nowMs);
    this.#log.warn({ limit, ...details, ...(suppressed ? { alsoSinceLastLog: suppressed } : {}) }, message);
  }
}
