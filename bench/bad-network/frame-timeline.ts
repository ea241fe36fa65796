/**
 * Figures from the times (ms, receiver clock) at which distinct frames were first shown in a
 * window: issue 13's freeze ratio and the time to recover after a bandwidth cap lifts.
 */

/** Issue 13's freeze: no new frame for more than 200 ms. */
export const FREEZE_GAP_MS = 200;

/**
 * Share of the window [startMs, endMs] spent in gaps of more than FREEZE_GAP_MS without a new
 * frame, each such gap counted whole (the edges of the window count as frames: a window with no
 * frame at all is frozen throughout).
 */
export function freezeRatio(frameTimesMs: readonly number[], startMs: number, endMs: number): number {
  const lengthMs = endMs - startMs;
  if (!(lengthMs > 0)) return Number.NaN;
  const times = frameTimesMs.filter((ms) => ms >= startMs && ms <= endMs).sort((a, b) => a - b);
  let frozenMs = 0;
  let previousMs = startMs;
  for (const ms of [...times, endMs]) {
    const gapMs = ms - previousMs;
    if (gapMs > FREEZE_GAP_MS) frozenMs += gapMs;
    previousMs = ms;
  }
  return frozenMs / lengthMs;
}

export interface FrameSample {
  /** When the frame was shown (receiver clock). */
  shownMs: number;
  /** Its glass-to-glass latency. */
  latencyMs: number;
}

export interface RecoveryCriteria {
  /** Back near clean: latency at most this (e.g. 1.5 × the clean p95 of the same mode and run). */
  maxLatencyMs: number;
  /** ...and at least this many frames per second (e.g. 0.8 × the clean frame rate). */
  minFps: number;
  /** Length of the sliding window the frame rate is counted over. */
  windowMs?: number;
}

/**
 * ms from `liftedAtMs` (the cap lifts) to the first moment from which a whole window of frames is
 * back near clean: every frame's latency ≤ maxLatencyMs and the window's frame rate ≥ minFps.
 * undefined if that never happens before the last frame.
 */
export function recoveryAfterMs(
  samples: readonly FrameSample[],
  liftedAtMs: number,
  criteria: RecoveryCriteria,
): number | undefined {
  const windowMs = criteria.windowMs ?? 1000;
  const after = samples.filter((s) => s.shownMs >= liftedAtMs).sort((a, b) => a.shownMs - b.shownMs);
  for (let first = 0; first < after.length; first++) {
    const startMs = after[first]!.shownMs;
    let count = 0;
    let good = true;
    let last = first;
    for (; last < after.length && after[last]!.shownMs < startMs + windowMs; last++) {
      if (after[last]!.latencyMs > criteria.maxLatencyMs) {
        good = false;
        break;
      }
      count++;
    }
    // A window that runs past the last frame is not a whole window.
    if (last >= after.length) return undefined;
    if (good && count / (windowMs / 1000) >= criteria.minFps) return startMs - liftedAtMs;
  }
  return undefined;
}
