import { joinMeeting, LeaveReason, type MeetingSession } from "@videocall/client";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { startNats } from "../fixtures/nats.ts";
import { openRawSocket } from "../fixtures/raw-socket.ts";
import { waitFor } from "../fixtures/wait.ts";
import { joinAsPublisher, listServers, startRelayNode, waitForAsync } from "./relay-nodes.ts";

// Heartbeats every 1 s, a node silent for 3 s is lost: removal lands 3-4.25 s after the crash.
const GHOST_REMOVAL_LIMIT_MS = 5000;

Deno.test("a relay node killed with SIGKILL: within seconds its participants leave everyone's view and /api/servers drops it", async () => {
  const nats = await startNats();
  const nodeA = await startRelayNode(nats.urls, "node-a");
  const nodeB = await startRelayNode(nats.urls, "node-b");
  const sessions: MeetingSession[] = [];
  try {
    const alice = await joinAsPublisher(nodeA, "alice", "retro");
    sessions.push(alice);
    // They do not fail over (that is failover.test.ts): this test is about the ghosts they leave.
    for (const name of ["bob", "carol"]) {
      sessions.push(await joinAsPublisher(nodeB, name, "retro", { reconnect: false }));
    }
    await waitFor("alice to see bob and carol on node B", () => alice.participants.size === 2);
    await waitForAsync("node A to list node B", async () => (await listServers(nodeA)).length === 2);

    const left: Array<[string, LeaveReason, number]> = [];
    alice.events.on("participantLeft", (p, reason) => left.push([p.username, reason, performance.now()]));
    const killedAtMs = performance.now();
    await nodeB.kill("SIGKILL");
    await waitFor(
      "alice to see node B's participants leave",
      () => left.length === 2,
      GHOST_REMOVAL_LIMIT_MS,
    );
    const removalMs = Math.max(...left.map(([, , atMs]) => atMs)) - killedAtMs;
    console.log(`ghost removal after SIGKILL: ${Math.round(removalMs)} ms`);
    assertEquals(left.map(([name, reason]) => [name, reason]).sort(), [
      ["bob", LeaveReason.TIMED_OUT],
      ["carol", LeaveReason.TIMED_OUT],
    ]);
    assertEquals(alice.participants.size, 0);
    assertEquals(
      (await listServers(nodeA)).map((s) => s.id),
      ["node-a"],
    );

    // No ghost for newcomers either: the roster node A gives a late joiner has only alice.
    const dave = await joinMeeting({ serverUrl: nodeA.url, username: "dave", meetingId: "retro" });
    sessions.push(dave);
    assertEquals(
      [...dave.participants.values()].map((p) => p.username),
      ["alice"],
    );
  } finally {
    for (const session of sessions) await session.leave();
    await nodeA.stop();
    await nodeB.stop();
    await nats.stop();
  }
});

Deno.test("draining a relay node on SIGTERM: its clients get a Goodbye and close 1012, the others see them leave at once", async () => {
  const nats = await startNats();
  const nodeA = await startRelayNode(nats.urls, "node-a");
  const nodeB = await startRelayNode(nats.urls, "node-b");
  const sessions: MeetingSession[] = [];
  try {
    const alice = await joinAsPublisher(nodeA, "alice", "retro");
    sessions.push(alice);
    // A bare WebSocket, to see exactly what the draining server sends (the client lib would reconnect).
    const bob = await openRawSocket(nodeB.url, "bob", "retro");
    await waitFor("alice to see bob", () => alice.participants.size === 1);
    await waitForAsync("node A to list node B", async () => (await listServers(nodeA)).length === 2);

    const left: LeaveReason[] = [];
    alice.events.on("participantLeft", (_p, reason) => left.push(reason));
    const drainedAtMs = performance.now();
    await nodeB.kill("SIGTERM");
    const info = await bob.closed;
    assertEquals([info.code, info.reason], [1012, "server draining"]);
    const last = bob.received.at(-1)?.body;
    assertEquals(last?.case === "goodbye" ? last.value.reason : last?.case, "server draining");
    await waitFor("alice to see bob leave", () => left.length === 1, 2000);
    // Well under the 3 s a silent node gets: the drain said goodbye on the bus.
    const leaveMs = performance.now() - drainedAtMs;
    assert(leaveMs < 2000, `leave seen after ${Math.round(leaveMs)} ms`);
    assertEquals(left, [LeaveReason.LEFT]);
    assertEquals(
      (await listServers(nodeA)).map((s) => s.id),
      ["node-a"],
    );
    assert(nodeB.output().includes('"msg":"draining"'), "node B logged its drain");
  } finally {
    for (const session of sessions) await session.leave();
    await nodeA.stop();
    await nodeB.stop();
    await nats.stop();
  }
});
