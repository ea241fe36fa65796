import type { ActiveSpeakersInfo } from "@videocall/client";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { startNats } from "../fixtures/nats.ts";
import { metricValue, type TestServer } from "../fixtures/server.ts";
import { joinSpeakingBots, SPEECH_LEVEL, type SpeakingBot } from "../fixtures/speaking-bots.ts";
import { delay, waitFor } from "../fixtures/wait.ts";
import { startRelayNode } from "./relay-nodes.ts";

async function busPacketsReceived(node: TestServer): Promise<number> {
  return metricValue(await node.metrics(), "videocall_bus_packets_total", { direction: "received" });
}

Deno.test("across two nodes the dominant speaker and top-3 audio follow levels from the bus, and quiet speakers cross no bytes", async () => {
  const nats = await startNats();
  const nodeA = await startRelayNode(nats.urls, "node-a");
  const nodeB = await startRelayNode(nats.urls, "node-b");
  let bots: SpeakingBot[] = [];
  try {
    const onA = await joinSpeakingBots(nodeA.url, "cross", 4, { prefix: "a" });
    const onB = await joinSpeakingBots(nodeB.url, "cross", 4, { prefix: "b" });
    bots = [...onA, ...onB];
    await waitFor(
      "everyone to see all 7 others",
      () => bots.every((bot) => bot.session.participants.size === 7),
      20_000,
    );
    const [talkerA] = onA as [SpeakingBot];
    const [talkerB, , , listener] = onB as [SpeakingBot, SpeakingBot, SpeakingBot, SpeakingBot];
    const reports: ActiveSpeakersInfo[] = [];
    listener.session.events.on("activeSpeakers", (info) => reports.push(info));

    talkerA.level = SPEECH_LEVEL;
    await waitFor(
      "a1 on node A dominant for b4 on node B",
      () => reports.at(-1)?.dominantSessionId === talkerA.session.sessionId,
      6000,
    );
    talkerB.level = 100;
    await delay(1000);
    for (const bot of bots) bot.resetCounts();
    const busBefore = await busPacketsReceived(nodeB);
    const windowMs = 2000;
    await delay(windowMs);
    const busFrames = (await busPacketsReceived(nodeB)) - busBefore;
    const heard = [...listener.audioFramesFrom.entries()]
      .filter(([, frames]) => frames > 0)
      .map(([id]) => id);
    assertEquals(
      heard.sort(),
      [talkerA.session.sessionId, talkerB.session.sessionId].sort(),
      "b4 hears the two talkers only",
    );
    assert(
      reports.at(-1)?.dominantSessionId === talkerA.session.sessionId,
      "b1, quieter and later, did not take over",
    );
    // Node B gets a1's audio over NATS (50 frames/s), not the three silent publishers' of node A.
    const audioFramesPerSecondSent = 50;
    const perSecond = busFrames / (windowMs / 1000);
    console.log(
      `cross-node audio into node B: ${perSecond.toFixed(0)} packets/s with 1 talker of 4 on node A ` +
        `(a broadcast relay: ${4 * audioFramesPerSecondSent}/s)`,
    );
    assert(perSecond < 2 * audioFramesPerSecondSent, `${perSecond} bus packets/s into node B`);
  } finally {
    await Promise.all(bots.map((bot) => bot.stop().catch(() => {})));
    await nodeA.stop();
    await nodeB.stop();
    await nats.stop();
  }
});
