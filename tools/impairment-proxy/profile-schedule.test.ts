import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { ImpairmentProxy, ProfileError } from "./impairment-proxy.ts";
import { parseScheduleFlag, runSchedule } from "./profile-schedule.ts";

Deno.test("a schedule steps through its profiles in order, each for its time, and the last one stays", async () => {
  const seen: Array<{ profile: string; atMs: number }> = [];
  const startMs = performance.now();
  const running = runSchedule(
    (profile: string) => seen.push({ profile, atMs: performance.now() - startMs }),
    [
      { profile: "cap-2m", durationMs: 40 },
      { profile: "cap-300k", durationMs: 40 },
      { profile: "cap-2m", durationMs: 40 },
    ],
  );
  await running.finished;
  deepStrictEqual(
    seen.map((s) => s.profile),
    ["cap-2m", "cap-300k", "cap-2m"],
  );
  ok(seen[1]!.atMs >= 39 && seen[2]!.atMs >= 79, `steps at ${seen.map((s) => s.atMs.toFixed(0))} ms`);
  ok(performance.now() - startMs >= 119, "finished after the last step's time");
});

Deno.test("a looping schedule repeats until stopped", async () => {
  const seen: string[] = [];
  const running = runSchedule(
    (profile: string) => seen.push(profile),
    [
      { profile: "a", durationMs: 10 },
      { profile: "b", durationMs: 10 },
    ],
    { loop: true },
  );
  await new Promise((resolve) => setTimeout(resolve, 75));
  running.stop();
  await running.finished;
  const count = seen.length;
  ok(count >= 5, `${count} steps in 75 ms`);
  deepStrictEqual(seen.slice(0, 4), ["a", "b", "a", "b"]);
  await new Promise((resolve) => setTimeout(resolve, 30));
  strictEqual(seen.length, count, "nothing after stop");
});

Deno.test("the proxy plays a schedule of presets and refuses one with a bad step before starting", async () => {
  const proxy = new ImpairmentProxy({ tcpTarget: { hostname: "127.0.0.1", port: 9 } });
  try {
    throws(
      () =>
        proxy.playSchedule([
          { profile: "cap-2m", durationMs: 10 },
          { profile: "moon", durationMs: 10 },
        ]),
      ProfileError,
    );
    strictEqual(proxy.profile.down.rateBitsPerSecond, undefined, "nothing applied");
    const running = proxy.playSchedule([
      { profile: "cap-2m", durationMs: 20 },
      { profile: "cap-300k", durationMs: 20 },
    ]);
    strictEqual(proxy.profile.down.rateBitsPerSecond, 2e6);
    await running.finished;
    strictEqual(proxy.profile.down.rateBitsPerSecond, 300e3);
  } finally {
    proxy.close();
  }
});

Deno.test("--schedule is PRESET:SECONDS, comma-separated", () => {
  deepStrictEqual(parseScheduleFlag("cap-2m:10,cap-300k:2.5"), [
    { profile: "cap-2m", durationMs: 10_000 },
    { profile: "cap-300k", durationMs: 2500 },
  ]);
  for (const bad of ["", "cap-2m", "cap-2m:0", "cap-2m:-1", "cap-2m:1e9", "Cap:1", "a:1,,b:2"]) {
    strictEqual(typeof parseScheduleFlag(bad), "string", bad);
  }
});
