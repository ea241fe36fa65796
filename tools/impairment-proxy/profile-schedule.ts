import type { ProfileInput } from "./link-profile.ts";

/** One step of a schedule: this profile (or preset) for this long. */
export interface ScheduleStep {
  profile: ProfileInput | string;
  durationMs: number;
}

export interface RunningSchedule {
  /** Resolves when the last step's time is up (never for a looping schedule), or when stopped. */
  finished: Promise<void>;
  stop(): void;
}

/**
 * Steps a proxy through profiles on a timer, e.g. issue 13's cap that drops from 2 Mbit/s to
 * 300 kbit/s and back: `[{profile: "cap-2m", durationMs: 10_000}, {profile: "cap-300k", ...}, ...]`.
 * The last step's profile stays in force after the schedule ends. Profiles are resolved before it
 * starts (ImpairmentProxy.playSchedule), so no step can fail on its timer.
 */
export function runSchedule<P>(
  setProfile: (profile: P) => void,
  steps: ReadonlyArray<{ profile: P; durationMs: number }>,
  options: { loop?: boolean } = {},
): RunningSchedule {
  if (steps.length === 0) throw new RangeError("a schedule needs at least one step");
  const done = Promise.withResolvers<void>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const play = (index: number) => {
    if (stopped) return;
    if (index === steps.length) {
      if (!options.loop) {
        done.resolve();
        return;
      }
      index = 0;
    }
    const step = steps[index]!;
    setProfile(step.profile);
    timer = setTimeout(() => play(index + 1), step.durationMs);
  };
  play(0);
  return {
    finished: done.promise,
    stop() {
      stopped = true;
      clearTimeout(timer);
      done.resolve();
    },
  };
}

/** `cap-2m:10,cap-300k:10,cap-2m:10` (preset:seconds, comma-separated) as steps; a reason on error. */
export function parseScheduleFlag(raw: string): ScheduleStep[] | string {
  const steps: ScheduleStep[] = [];
  for (const part of raw.split(",")) {
    const match = /^([a-z0-9-]+):(\d+(?:\.\d+)?)$/.exec(part.trim());
    if (!match) return `"${part}" is not PRESET:SECONDS`;
    const seconds = Number(match[2]);
    if (seconds <= 0 || seconds > 86_400) return `"${part}": seconds must be in (0, 86400]`;
    steps.push({ profile: match[1]!, durationMs: seconds * 1000 });
  }
  return steps;
}
