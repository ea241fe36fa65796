import assert from "node:assert/strict";
import { ActiveSpeakerTracker } from "./active-speakers.ts";

const FRAME_MS = 20;
const TICK_MS = 250;

/**
 * Plays a script on a tracker on a simulated clock: every 20 ms each speaker sends one frame at the
 * level `levelAt(sessionId, ms)` gives, the room ticks every 250 ms. Returns what was forwarded per
 * speaker and the dominant speaker at each tick.
 */
function play(
  tracker: ActiveSpeakerTracker,
  sessionIds: number[],
  fromMs: number,
  toMs: number,
  levelAt: (sessionId: number, ms: number) => number,
): { forwarded: Map<number, number>; dominantAt: Array<{ ms: number; dominant: number }> } {
  const forwarded = new Map<number, number>(sessionIds.map((id) => [id, 0]));
  const dominantAt: Array<{ ms: number; dominant: number }> = [];
  for (let ms = fromMs; ms < toMs; ms += FRAME_MS) {
    for (const id of sessionIds) {
      if (tracker.admitAudio(id, levelAt(id, ms), ms)) forwarded.set(id, (forwarded.get(id) ?? 0) + 1);
    }
    if (ms % TICK_MS < FRAME_MS) {
      tracker.tick(ms);
      dominantAt.push({ ms, dominant: tracker.dominantSessionId });
    }
  }
  return { forwarded, dominantAt };
}

const SPEECH = 105;
const LOUD_COUGH = 127;

Deno.test("the first talker becomes dominant; a cough from another does not flip it", () => {
  const tracker = new ActiveSpeakerTracker();
  // 1 talks throughout; 2 is silent except a loud 400 ms cough at 3 s.
  const result = play(tracker, [1, 2], 0, 6000, (id, ms) => {
    if (id === 1) return SPEECH;
    return ms >= 3000 && ms < 3400 ? LOUD_COUGH : 0;
  });
  assert.equal(result.dominantAt[0]?.dominant, 1, "dominant from the first tick of speech");
  assert.ok(
    result.dominantAt.every((t) => t.dominant === 1),
    `the cough flipped it: ${JSON.stringify(result.dominantAt)}`,
  );
  // The cough itself was forwarded (a free slot): it is audio someone made.
  assert.ok((result.forwarded.get(2) ?? 0) >= 400 / FRAME_MS);
});

Deno.test("a sustained louder talker takes over after the hold time, not before", () => {
  const tracker = new ActiveSpeakerTracker({ dominantHoldMs: 1000 });
  // 1 talks from 0; 2 starts talking louder at 2 s and keeps on; 1 keeps talking quieter.
  const result = play(tracker, [1, 2], 0, 6000, (id, ms) => {
    if (id === 1) return 95;
    return ms >= 2000 ? 120 : 0;
  });
  const firstTwo = result.dominantAt.find((t) => t.dominant === 2);
  assert.ok(firstTwo, "2 never became dominant");
  assert.ok(
    firstTwo.ms >= 3000,
    `2 took over at ${firstTwo.ms} ms, less than the 1 s hold after it got louder`,
  );
  assert.ok(firstTwo.ms <= 4000, `2 took over only at ${firstTwo.ms} ms`);
  assert.ok(
    result.dominantAt.filter((t) => t.ms > firstTwo.ms).every((t) => t.dominant === 2),
    "it flapped back",
  );
});

Deno.test("when the dominant speaker stops, a new talker takes over after the hold time", () => {
  const tracker = new ActiveSpeakerTracker();
  const result = play(tracker, [1, 2], 0, 6000, (id, ms) => {
    if (id === 1) return ms < 2000 ? SPEECH : 0;
    return ms >= 2500 ? 100 : 0;
  });
  const takeover = result.dominantAt.find((t) => t.dominant === 2);
  assert.ok(takeover && takeover.ms >= 3500 && takeover.ms <= 4250, JSON.stringify(result.dominantAt));
});

Deno.test("top-3 audio: only three talkers are forwarded, a fourth quieter one is not", () => {
  const tracker = new ActiveSpeakerTracker();
  const levels = new Map([
    [1, 110],
    [2, 108],
    [3, 106],
    [4, 95],
  ]);
  const result = play(tracker, [1, 2, 3, 4], 0, 3000, (id) => levels.get(id) ?? 0);
  for (const id of [1, 2, 3]) assert.equal(result.forwarded.get(id), 3000 / FRAME_MS, `talker ${id}`);
  assert.equal(result.forwarded.get(4), 0, "the fourth, quieter talker");
  const snapshot = tracker.current();
  assert.deepEqual(
    snapshot.speakers.map((s) => s.sessionId),
    [1, 2, 3],
    "loudest first",
  );
});

Deno.test("silence is not forwarded, and word endings within the hang time are", () => {
  const tracker = new ActiveSpeakerTracker({ hangMs: 600 });
  // 1 says a word (0..500 ms), then is quiet but for room noise; 2 is silent throughout.
  const result = play(tracker, [1, 2], 0, 3000, (id, ms) =>
    id === 1 && ms < 500 ? SPEECH : id === 1 ? 40 : 0,
  );
  assert.equal(result.forwarded.get(2), 0, "a silent publisher");
  const forwardedMs = (result.forwarded.get(1) ?? 0) * FRAME_MS;
  assert.ok(
    forwardedMs >= 500 + 600 - FRAME_MS && forwardedMs <= 500 + 600 + FRAME_MS,
    `forwarded ${forwardedMs} ms`,
  );
});

Deno.test("a louder newcomer takes the quietest slot; the speakers reported change and then stay", () => {
  const tracker = new ActiveSpeakerTracker();
  const first = play(tracker, [1, 2, 3, 4], 0, 2000, (id) => (id === 4 ? 0 : 100 + id));
  assert.equal(first.forwarded.get(4), 0);
  const reports: Array<{ speakers: number[]; dominant: number }> = [];
  for (let ms = 2000; ms < 5000; ms += FRAME_MS) {
    for (const id of [1, 2, 3, 4]) tracker.admitAudio(id, id === 4 ? 125 : 100 + id, ms);
    if (ms % TICK_MS < FRAME_MS) {
      const snapshot = tracker.tick(ms);
      if (snapshot)
        reports.push({
          speakers: snapshot.speakers.map((s) => s.sessionId).sort(),
          dominant: snapshot.dominantSessionId,
        });
    }
  }
  assert.deepEqual(
    reports.map((r) => r.speakers),
    [
      [2, 3, 4],
      [2, 3, 4],
    ],
    "4 replaced the quietest (1), and the set stayed",
  );
  assert.deepEqual(
    reports.map((r) => r.dominant),
    [3, 4],
    "then 4, the loudest, took over from 3 (the loudest before) after the hold",
  );
  assert.equal(tracker.takeRecencyChanged(), true);
  assert.ok(tracker.lastActiveMsOf(4) > tracker.lastActiveMsOf(1));
});

Deno.test("a speaker who leaves frees its slot and the dominant role", () => {
  const tracker = new ActiveSpeakerTracker();
  play(tracker, [1], 0, 1000, () => SPEECH);
  assert.equal(tracker.dominantSessionId, 1);
  tracker.remove(1);
  assert.equal(tracker.dominantSessionId, 0);
  const after = tracker.tick(1000);
  assert.deepEqual(after, { speakers: [], dominantSessionId: 0 });
  assert.equal(tracker.needsTicks, false, "nothing left to tick for");
  assert.equal(tracker.admitAudio(2, SPEECH, 1020), true);
});

Deno.test("a level above full scale counts as full scale, not as louder than everyone for ever", () => {
  const tracker = new ActiveSpeakerTracker();
  play(tracker, [1], 0, 3000, () => 2 ** 31);
  assert.equal(tracker.current().speakers[0]?.level, 127, "smoothed towards 127, not 2^31");
});
