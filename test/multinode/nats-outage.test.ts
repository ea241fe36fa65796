import type { MeetingSession } from "@videocall/client";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { startNats, startNatsCluster } from "../fixtures/nats.ts";
import { delay, waitFor } from "../fixtures/wait.ts";
import { FrameLog, joinAsPublisher, sendFramesEvery, startRelayNode } from "./relay-nodes.ts";

Deno.test("NATS down: participants on one node keep talking; NATS back: cross-node media resumes without rejoining", async () => {
  const nats = await startNats();
  const nodeA = await startRelayNode(nats.urls, "node-a");
  const nodeB = await startRelayNode(nats.urls, "node-b");
  const sessions: MeetingSession[] = [];
  try {
    const alice = await joinAsPublisher(nodeA, "alice", "planning");
    const amy = await joinAsPublisher(nodeA, "amy", "planning");
    const bob = await joinAsPublisher(nodeB, "bob", "planning");
    const ben = await joinAsPublisher(nodeB, "ben", "planning");
    sessions.push(alice, amy, bob);
    await waitFor("everyone to see the three others", () => sessions.every((s) => s.participants.size === 3));
    const churn: string[] = [];
    for (const session of [alice, amy, bob]) {
      session.events.on("participantLeft", (p) => churn.push(`${session.username} saw ${p.username} leave`));
    }
    const sessionIds = sessions.map((s) => s.sessionId);
    const atAmy = new FrameLog(amy, () => alice.sessionId);
    const atBob = new FrameLog(bob, () => alice.sessionId);
    const atAlice = new FrameLog(alice, () => bob.sessionId);
    const fromAlice = sendFramesEvery(alice, 20);
    const fromBob = sendFramesEvery(bob, 20);
    await waitFor("media across nodes before the outage", () => atBob.count > 5 && atAlice.count > 5);

    const [server] = nats.servers;
    await server!.kill("SIGKILL");
    const downAtMs = performance.now();
    const amyBefore = atAmy.count;
    const bobBefore = atBob.count;
    // Presence changes nobody on the other node can hear yet: ben leaves node B, ann joins node A.
    await ben.leave();
    const ann = await joinAsPublisher(nodeA, "ann", "planning");
    sessions.push(ann);
    // Longer than the 3 s after which a silent node is declared lost.
    await delay(3500);
    // Same node: unaffected. Across nodes: nothing gets through (and nothing is queued for later).
    assert(atAmy.count - amyBefore >= 100, `amy got ${atAmy.count - amyBefore} frames during the outage`);
    assertEquals(atAmy.largestGapMs(downAtMs, performance.now()) < 500, true);
    assert(atBob.count - bobBefore <= 2, `bob got ${atBob.count - bobBefore} frames with NATS down`);

    const lastSentWhileDown = fromAlice.lastFrame;
    await server!.restart();
    const upAtMs = performance.now();
    await waitFor(
      "alice's frames to reach bob again",
      () => atBob.arrivals.some((a) => a.frame > lastSentWhileDown),
      5000,
    );
    await waitFor("bob's frames to reach alice again", () => atAlice.arrivals.at(-1)!.atMs > upAtMs, 5000);
    const resumeMs = atBob.arrivals.find((a) => a.frame > lastSentWhileDown)!.atMs - upAtMs;
    console.log(`cross-node media resumed ${Math.round(resumeMs)} ms after NATS came back`);
    // Frames sent during the outage were dropped, not delivered late in a burst.
    const stale = atBob.arrivals.filter((a) => a.atMs > upAtMs && a.frame <= lastSentWhileDown - 5).length;
    assert(stale === 0, `${stale} stale frames delivered after the outage`);
    fromAlice.stop();
    fromBob.stop();

    // Same sessions, no rejoin; presence converged: ben is gone and ann is known on node B too.
    assertEquals(
      [alice, amy, bob].map((s) => s.sessionId),
      sessionIds,
    );
    const names = (s: MeetingSession) => [...s.participants.values()].map((p) => p.username).sort();
    await waitFor("presence to converge", () => names(bob).join() === "alice,amy,ann");
    assertEquals(names(alice), ["amy", "ann", "bob"]);
    // Only ben's real leave: nodes cut off from NATS did not declare each other dead.
    assertEquals(churn.sort(), ["alice saw ben leave", "amy saw ben leave", "bob saw ben leave"]);
    assertEquals(atBob.corrupted + atAlice.corrupted + atAmy.corrupted, 0);
  } finally {
    for (const session of sessions) await session.leave();
    await nodeA.stop();
    await nodeB.stop();
    await nats.stop();
  }
});

Deno.test("losing one NATS server of a 3-server cluster: media between relay nodes keeps flowing", async () => {
  const nats = await startNatsCluster(3);
  const nodeA = await startRelayNode(nats.urls, "node-a");
  const nodeB = await startRelayNode(nats.urls, "node-b");
  const sessions: MeetingSession[] = [];
  try {
    const alice = await joinAsPublisher(nodeA, "alice", "all-hands");
    const bob = await joinAsPublisher(nodeB, "bob", "all-hands");
    sessions.push(alice, bob);
    await waitFor(
      "alice and bob to see each other",
      () => alice.participants.size === 1 && bob.participants.size === 1,
    );

    // Kill the NATS server node A is connected to, so A must fail over to another member.
    const hosts = await Promise.all(nats.servers.map((s) => s.clientNames()));
    const victim = nats.servers[hosts.findIndex((names) => names.some((n) => n.endsWith("node-a")))];
    assert(victim, `node A's NATS connection not found in ${JSON.stringify(hosts)}`);

    const atBob = new FrameLog(bob, () => alice.sessionId);
    const atAlice = new FrameLog(alice, () => bob.sessionId);
    const fromAlice = sendFramesEvery(alice, 20);
    const fromBob = sendFramesEvery(bob, 20);
    await delay(1000);
    const killedAtMs = performance.now();
    await victim.kill("SIGKILL");
    await delay(3000);
    const endMs = performance.now();
    fromAlice.stop();
    fromBob.stop();

    const gapAtBob = atBob.largestGapMs(killedAtMs - 500, endMs);
    const gapAtAlice = atAlice.largestGapMs(killedAtMs - 500, endMs);
    console.log(
      `NATS server loss: largest gap ${Math.round(gapAtBob)} ms (A->B), ${Math.round(gapAtAlice)} ms (B->A); ` +
        `frames ${atBob.count}/${fromAlice.lastFrame} and ${atAlice.count}/${fromBob.lastFrame}`,
    );
    assert(gapAtBob < 1000, `A->B media stopped for ${Math.round(gapAtBob)} ms`);
    assert(gapAtAlice < 1000, `B->A media stopped for ${Math.round(gapAtAlice)} ms`);
    // Still flowing at the end, not just a burst right after the kill.
    assert(atBob.arrivals.filter((a) => a.atMs > endMs - 1000).length > 20, "A->B flows after failover");
    assert(atAlice.arrivals.filter((a) => a.atMs > endMs - 1000).length > 20, "B->A flows after failover");
    assertEquals([alice.participants.size, bob.participants.size], [1, 1]);
    assertEquals(atBob.corrupted + atAlice.corrupted, 0);
  } finally {
    for (const session of sessions) await session.leave();
    await nodeA.stop();
    await nodeB.stop();
    await nats.stop();
  }
});
