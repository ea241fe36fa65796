import type { LatencyTimeline } from "../../packages/cli/src/load/mod.ts";

/** The merged timeline and what it says about the start's backlog. */
export interface TimelineSummary {
  /** Seconds from the first media sent to the half second after which every one had < 1 % late. */
  settleSeconds: number;
  /** Share of the window's media that came more than 150 ms after capture, %. */
  windowLatePercent: number;
  /** Per half second from the media's start to the window's end: [packets, late]. */
  buckets: [number, number][];
}

/** A half second is settled when fewer than this share of its packets came late. */
const SETTLED_LATE_SHARE = 0.01;

/**
 * Merges the processes' timelines (they share one window, so one bucket grid) and finds when
 * the latency settled: the first half second from which every later one, up to the window's
 * end, had fewer than 1 % of its packets late. NaN when it never did.
 */
export function summarizeTimeline(
  timelines: readonly LatencyTimeline[],
  mediaStartUs: number,
  window: { startUs: number; endUs: number },
): TimelineSummary {
  const first = timelines[0];
  if (first === undefined) return { settleSeconds: Number.NaN, windowLatePercent: Number.NaN, buckets: [] };
  const stepUs = first.stepMs * 1000;
  const bucketOf = (us: number) => Math.floor((us - first.startUs) / stepUs);
  const from = Math.max(0, bucketOf(mediaStartUs));
  const to = Math.min(first.packets.length, Math.ceil((window.endUs - first.startUs) / stepUs));
  const buckets: [number, number][] = [];
  for (let b = from; b < to; b++) {
    let packets = 0;
    let late = 0;
    for (const timeline of timelines) {
      packets += timeline.packets[b] ?? 0;
      late += timeline.late[b] ?? 0;
    }
    buckets.push([packets, late]);
  }
  let settled = buckets.length;
  while (settled > 0) {
    const [packets, late] = buckets[settled - 1] as [number, number];
    if (packets > 0 && late / packets >= SETTLED_LATE_SHARE) break;
    settled--;
  }
  const settleSeconds =
    settled === buckets.length
      ? Number.NaN
      : Math.max(0, (first.startUs + (from + settled) * stepUs - mediaStartUs) / 1e6);
  let windowPackets = 0;
  let windowLate = 0;
  for (let b = Math.max(from, bucketOf(window.startUs)); b < to; b++) {
    const [packets, late] = buckets[b - from] as [number, number];
    windowPackets += packets;
    windowLate += late;
  }
  return {
    settleSeconds,
    windowLatePercent: windowPackets === 0 ? Number.NaN : (100 * windowLate) / windowPackets,
    buckets,
  };
}
