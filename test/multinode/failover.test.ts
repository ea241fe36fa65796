import type { MeetingSession } from "@videocall/client";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { startNats } from "../fixtures/nats.ts";
import { waitFor } from "../fixtures/wait.ts";
import {
  FrameLog,
  joinAsPublisher,
  listServers,
  sendFramesEvery,
  startRelayNode,
  waitForAsync,
} from "./relay-nodes.ts";

// The bound: participants of a killed node resume on another node within 3 s.
const FAILOVER_LIMIT_MS = 3000;

for (const transport of ["websocket", "webtransport"] as const) {
  Deno.test(`${transport} clients of a node killed with SIGKILL resume on another node within 3 s, with no ghost`, async () => {
    const nats = await startNats();
    const nodes = [await startRelayNode(nats.urls, "node-a"), await startRelayNode(nats.urls, "node-b")];
    const [nodeA, nodeB] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const sessions: MeetingSession[] = [];
    try {
      const alice = await joinAsPublisher(nodeA, "alice", "standup", { transport });
      const bob = await joinAsPublisher(nodeB, "bob", "standup", { transport });
      sessions.push(alice, bob);
      assertEquals(alice.transportKind, transport);
      await waitFor("alice and bob to see each other across nodes", () => alice.participants.size === 1);
      await waitForAsync("alice to know both nodes", async () => (await listServers(nodeA)).length === 2);
      await new Promise((resolve) => setTimeout(resolve, 200)); // alice's client refreshes its node list at join

      const toBob = new FrameLog(bob, () => alice.sessionId);
      const sender = sendFramesEvery(alice, 20);
      await waitFor("bob to receive alice's frames", () => toBob.count > 5);
      // Frames in flight at the kill may still arrive: resumption is the first frame of alice's next session.
      const oldSessionId = alice.sessionId;
      let resumedAtMs = 0;
      bob.events.on("media", (from) => {
        if (resumedAtMs === 0 && from === alice.sessionId && from !== oldSessionId)
          resumedAtMs = performance.now();
      });
      const killedAtMs = performance.now();
      await nodeA.kill("SIGKILL");
      await waitFor("alice's frames from her new session to reach bob", () => resumedAtMs > 0, 10_000);
      const resumedMs = resumedAtMs - killedAtMs;
      console.log(`${transport}: media resumed ${Math.round(resumedMs)} ms after SIGKILL`);
      assert(resumedMs < FAILOVER_LIMIT_MS, `resumed after ${Math.round(resumedMs)} ms`);
      assertEquals(alice.serverUrl, nodeB.url, "alice failed over to the live node");
      sender.stop();

      // Bob sees the new alice; the old session disappears once node A is declared lost: no ghost.
      await waitFor("bob to see exactly one alice", () => bob.participants.size === 1, 6000).catch(
        (error) => {
          const seen = [...bob.participants.values()].map((p) => `${p.username}#${p.sessionId}`);
          const logB = nodeB.output();
          throw new Error(
            `${error.message}: bob sees ${seen.join(", ")}; alice is #${alice.sessionId}\n${logB}`,
          );
        },
      );
      assertEquals([...bob.participants.values()][0]?.sessionId, alice.sessionId);
      toBob.stop();
    } finally {
      for (const session of sessions) await session.leave();
      for (const node of nodes) await node.stop();
      await nats.stop();
    }
  });
}
