import { joinMeeting, type MeetingSession } from "@videocall/client";
import { NatsMeetingBus } from "../../packages/server/src/bus/nats-meeting-bus.ts";
import { log } from "../../packages/server/src/observability/log.ts";
import type { RunningServer } from "../../packages/server/src/server.ts";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { openTestMeetingDatabase, startControlServer } from "../fixtures/control-server.ts";
import { startNats } from "../fixtures/nats.ts";
import { waitFor } from "../fixtures/wait.ts";

const texts = (session: MeetingSession) => session.chatMessages.map((m) => m.text);

Deno.test({
  name: "chat crosses nodes over a real nats-server: public to all, private to its recipient only, one order, history from the shared database",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const nats = await startNats();
    const db = await openTestMeetingDatabase();
    const buses: NatsMeetingBus[] = [];
    const servers: RunningServer[] = [];
    const sessions: MeetingSession[] = [];
    try {
      for (const nodeId of ["node-a", "node-b"]) {
        const bus = await NatsMeetingBus.connect({
          servers: [nats.urls],
          nodeId,
          log,
          connectTimeoutMs: 30_000,
        });
        buses.push(bus);
        servers.push(await startControlServer(db.directory, { bus }));
      }
      const [a, b] = servers as [RunningServer, RunningServer];
      const join = async (server: RunningServer, username: string) => {
        const session = await joinMeeting({
          serverUrl: server.url,
          username,
          meetingId: "xchat",
          transport: "websocket",
          connectTimeoutMs: 30_000,
          reconnect: false,
        });
        sessions.push(session);
        return session;
      };
      const alice = await join(a, "alice");
      const bob = await join(b, "bob");
      const carol = await join(b, "carol");
      await waitFor("bob and carol on node A's roster", () => alice.participants.size === 2, 20_000);
      await waitFor("alice on node B's roster", () => bob.participants.size === 2, 20_000);

      await alice.sendChat("from node a");
      await bob.sendChat("from node b");
      for (const session of [alice, bob, carol]) {
        await waitFor("both public messages everywhere", () => texts(session).length === 2, 20_000);
      }
      // One order everywhere: the database's sequence, not arrival.
      assertEquals(texts(alice), texts(bob));
      assertEquals(texts(carol), texts(bob));

      // Private across nodes: alice (A) to bob (B). Carol, on bob's node, never gets it.
      const secret = await alice.sendChat("a to b only", { toSessionId: bob.sessionId });
      assertEquals(secret.to?.identity, "guest:bob");
      await waitFor("the private message at bob", () => texts(bob).includes("a to b only"), 20_000);
      await bob.sendChat("after");
      await waitFor("carol's next message", () => texts(carol).includes("after"), 20_000);
      assert(!texts(carol).includes("a to b only"), "carol got a private message from another node");

      // A late joiner on node A gets the history written by both nodes, without the private one.
      const dave = await join(a, "dave");
      await waitFor("dave's history", () => texts(dave).length === 3, 20_000);
      assertEquals(texts(dave), texts(carol));
    } finally {
      for (const session of sessions) if (!session.isClosed) await session.leave().catch(() => {});
      for (const server of servers) await server.shutdown();
      for (const bus of buses) await bus.close();
      await db.close();
      await nats.stop();
    }
  },
});
