import type { ActiveSpeakersInfo } from "@videocall/client";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { metricValue, startServer } from "../fixtures/server.ts";
import {
  BOT_VIDEO_TRACK,
  joinSpeakingBots,
  SPEECH_LEVEL,
  type SpeakingBot,
} from "../fixtures/speaking-bots.ts";
import { delay, waitFor } from "../fixtures/wait.ts";

async function stopAll(bots: SpeakingBot[]): Promise<void> {
  await Promise.all(bots.map((bot) => bot.stop().catch(() => {})));
}

function framesFrom(counts: Map<number, number>, bot: SpeakingBot): number {
  return counts.get(bot.session.sessionId) ?? 0;
}

Deno.test("the dominant speaker follows a scripted talker, and a cough does not take it", async () => {
  const server = await startServer();
  const bots = await joinSpeakingBots(server.url, "dominant", 4);
  const [alice, bob, carol, listener] = bots as [SpeakingBot, SpeakingBot, SpeakingBot, SpeakingBot];
  const events: Array<{ atMs: number; info: ActiveSpeakersInfo }> = [];
  const startMs = performance.now();
  listener.session.events.on("activeSpeakers", (info) =>
    events.push({ atMs: performance.now() - startMs, info }),
  );
  const dominant = () => events.at(-1)?.info.dominantSessionId ?? 0;
  try {
    alice.level = SPEECH_LEVEL;
    await waitFor("alice to be dominant", () => dominant() === alice.session.sessionId, 5000);

    // Bob coughs, loudly, for 300 ms while alice talks on.
    bob.level = 127;
    await delay(300);
    bob.level = 0;
    await delay(1500);
    assert(
      events.every((event) => event.info.dominantSessionId === alice.session.sessionId),
      `the cough flipped the dominant speaker: ${JSON.stringify(events.map((e) => e.info.dominantSessionId))}`,
    );

    // Alice stops, carol talks: carol takes over after the 1 s hold, not before.
    alice.level = 0;
    const carolStartMs = performance.now() - startMs;
    carol.level = SPEECH_LEVEL;
    await waitFor("carol to be dominant", () => dominant() === carol.session.sessionId, 6000);
    const takeoverMs = (events.at(-1)?.atMs ?? 0) - carolStartMs;
    assert(takeoverMs >= 900, `carol took over after ${takeoverMs.toFixed(0)} ms, within the 1 s hold`);
    console.log(`dominant speaker change: ${takeoverMs.toFixed(0)} ms after the new talker started`);

    // ActiveSpeakers is sent on changes only, at most once per 250 ms tick (counted, not timed
    // pairwise: a loaded machine may deliver two together).
    const elapsedMs = performance.now() - startMs;
    assert(
      events.length <= elapsedMs / 250 + 1,
      `${events.length} ActiveSpeakers in ${elapsedMs.toFixed(0)} ms`,
    );
    assert(events.length <= 12, `${events.length} ActiveSpeakers for a handful of changes`);
    assert(events.every((event) => event.info.speakers.length <= 3));
  } finally {
    await stopAll(bots);
    await server.stop();
  }
});

Deno.test("in a meeting of 12 only the three loudest speakers' audio arrives, and nothing while all are silent", async () => {
  const server = await startServer();
  const bots = await joinSpeakingBots(server.url, "top3", 12);
  const talkers = bots.slice(0, 4);
  const levels = [115, 112, 110, 95];
  try {
    talkers.forEach((bot, i) => {
      bot.level = levels[i] ?? 0;
    });
    await delay(1000); // the slots settle: the quietest talker may hold one for its first frames
    for (const bot of bots) bot.resetCounts();
    const windowMs = 3000;
    await delay(windowMs);
    const listeners = bots.slice(4);
    let audioFramesPerListener = 0;
    for (const listener of listeners) {
      const counts = listener.audioFramesFrom;
      for (const talker of talkers.slice(0, 3)) {
        const frames = framesFrom(counts, talker);
        assert(frames > (windowMs / 20) * 0.5, `${listener.name} got ${frames} frames of ${talker.name}`);
      }
      assertEquals(
        framesFrom(counts, talkers[3] as SpeakingBot),
        0,
        `${listener.name}: the fourth, quieter talker`,
      );
      for (const silent of bots.slice(4)) {
        assertEquals(framesFrom(counts, silent), 0, `${listener.name}: silent ${silent.name}`);
      }
      audioFramesPerListener += [...counts.values()].reduce((sum, n) => sum + n, 0);
    }
    const receivedPerSecond = audioFramesPerListener / listeners.length / (windowMs / 1000);
    const sentToEachPerSecond = (bots.length - 1) * 50;
    console.log(
      `top-3 audio, 12 participants: ${receivedPerSecond.toFixed(0)} audio frames/s per listener, against ` +
        `${sentToEachPerSecond} a broadcast relay forwards (${(receivedPerSecond / sentToEachPerSecond).toFixed(2)}×)`,
    );

    for (const bot of bots) bot.level = 0;
    await delay(1000); // the hang time (600 ms) runs out
    for (const bot of bots) bot.resetCounts();
    await delay(1000);
    for (const bot of bots)
      assertEquals(
        [...bot.audioFramesFrom.values()].reduce((s, n) => s + n, 0),
        0,
        bot.name,
      );
    const notForwarded = metricValue(await server.metrics(), "videocall_audio_frames_not_forwarded_total");
    assert(notForwarded > 0, "the relay counts what it left out");
  } finally {
    await stopAll(bots);
    await server.stop();
  }
});

Deno.test("last-N: a subscriber with N = 4 of 11 video publishers gets exactly the 4 most recent speakers plus its pin", async () => {
  const server = await startServer();
  const bots = await joinSpeakingBots(server.url, "lastn", 12, { video: true });
  const subscriber = bots[11] as SpeakingBot;
  const publishers = bots.slice(0, 11);
  const pinned = publishers[10] as SpeakingBot;
  try {
    subscriber.session.setSubscriptions({
      mode: "explicit",
      tracks: publishers.flatMap((bot) => [
        { sessionId: bot.session.sessionId, trackId: 1 },
        { sessionId: bot.session.sessionId, trackId: BOT_VIDEO_TRACK, pinned: bot === pinned },
      ]),
      lastN: 4,
    });
    // One after another, each for 900 ms: 3, 7, 1, 9, 5 (numbers are bot names).
    const order = [3, 7, 1, 9, 5].map((n) => publishers[n - 1] as SpeakingBot);
    for (const talker of order) {
      talker.level = SPEECH_LEVEL;
      await delay(900);
      talker.level = 0;
    }
    await delay(800);
    subscriber.resetCounts();
    await delay(2000);
    const expected = [...order.slice(1), pinned].map((bot) => bot.name).sort();
    const receivedFrom = publishers
      .filter((bot) => framesFrom(subscriber.videoFramesFrom, bot) > 0)
      .map((bot) => bot.name)
      .sort();
    assertEquals(receivedFrom, expected, "video from the 4 most recent speakers and the pinned one");
    // A new speaker enters last-N (and the least recent one leaves), starting at a key frame.
    const newcomer = publishers[1] as SpeakingBot;
    const leaver = order[1] as SpeakingBot;
    subscriber.resetCounts();
    newcomer.level = SPEECH_LEVEL;
    await delay(1200);
    newcomer.level = 0;
    await waitFor("the new speaker's video", () => framesFrom(subscriber.videoFramesFrom, newcomer) > 0);
    assertEquals(
      subscriber.firstVideoWasKeyframe.get(newcomer.session.sessionId),
      true,
      "it starts at a key frame",
    );
    const leaverFrames = framesFrom(subscriber.videoFramesFrom, leaver);
    await delay(1000);
    assertEquals(
      framesFrom(subscriber.videoFramesFrom, leaver),
      leaverFrames,
      "the least recent speaker left last-N",
    );
    // A participant without last-N still gets every video track.
    const other = bots[0] as SpeakingBot;
    assertEquals(
      bots.filter((bot) => bot !== other && framesFrom(other.videoFramesFrom, bot) > 0).length,
      11,
      "no last-N: every publisher's video",
    );
  } finally {
    await stopAll(bots);
    await server.stop();
  }
});
