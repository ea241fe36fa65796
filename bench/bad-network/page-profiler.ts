/**
 * `--cpu-profile DIR`: a JS CPU profile of a page's main thread over the window (Chrome DevTools
 * Protocol, the `.cpuprofile` format DevTools opens), and a summary of its self time by function.
 * It shows where a busy page's time goes, which the latency figures alone cannot.
 */
import type { Page } from "playwright-core";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface RunningProfile {
  /** Stops the profiler, writes `<path>.cpuprofile`, and returns the top self-time lines. */
  stop(path: string): Promise<string[]>;
}

export async function startPageProfile(page: Page): Promise<RunningProfile> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 500 });
  await cdp.send("Profiler.start");
  return {
    async stop(path) {
      const { profile } = (await cdp.send("Profiler.stop")) as unknown as { profile: CpuProfile };
      await cdp.detach().catch(() => {});
      await Deno.writeTextFile(`${path}.cpuprofile`, JSON.stringify(profile));
      return topSelfTime(profile, 12);
    },
  };
}

/** Self time per function (name and file), largest first, as "share % ms name (file:line)". */
export function topSelfTime(profile: CpuProfile, count: number): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let index = 0; index < samples.length; index++) {
    // Each sample's time is the gap to the next one.
    const id = samples[index]!;
    const deltaUs = deltas[index + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + deltaUs);
  }
  const byFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const file = frame.url.split("/").at(-1) ?? "";
    const key = `${frame.functionName || "(anonymous)"} (${file}:${frame.lineNumber + 1})`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const totalUs = profile.endTime - profile.startTime;
  return [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(
      ([name, us]) =>
        `${((us / totalUs) * 100).toFixed(1).padStart(5)} % ${(us / 1000).toFixed(0).padStart(6)} ms ${name}`,
    );
}
