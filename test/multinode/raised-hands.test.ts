import { joinMeeting, type MeetingSession } from "@videocall/client";
import { NatsMeetingBus } from "../../packages/server/src/bus/nats-meeting-bus.ts";
import { log } from "../../packages/server/src/observability/log.ts";
import type { RunningServer } from "../../packages/server/src/server.ts";
import { assertEquals } from "../fixtures/assert.ts";
import { openTestMeetingDatabase, startControlServer } from "../fixtures/control-server.ts";
import { startNats } from "../fixtures/nats.ts";
import { waitFor } from "../fixtures/wait.ts";

const order = (session: MeetingSession) => session.raisedHands.map((hand) => hand.sessionId);

Deno.test({
  name: "raised hands over a real nats-server: one order on both nodes, a host on node A lowers a hand on node B, a leaver's hand goes",
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
        const bus = await NatsMeetingBus.connect({ servers: [nats.urls], nodeId, log });
        buses.push(bus);
        servers.push(await startControlServer(db.directory, { bus }));
      }
      const [a, b] = servers as [RunningServer, RunningServer];
      const join = async (server: RunningServer, username: string) => {
        const session = await joinMeeting({
          serverUrl: server.url,
          username,
          meetingId: "hands-x",
          reconnect: false,
        });
        sessions.push(session);
        return session;
      };
      const host = await join(a, "hosta"); // first joiner: the host
      const onB1 = await join(b, "bea");
      const onA = await join(a, "abe");
      const onB2 = await join(b, "bo");
      const everyone = [host, onB1, onA, onB2];
      await waitFor("everyone sees everyone", () => everyone.every((s) => s.participants.size === 3), 15_000);

      // Raised one at a time, alternating nodes; each waits until every page has it.
      const raisers = [onB1, onA, onB2, host];
      for (const [index, raiser] of raisers.entries()) {
        raiser.raiseHand(true);
        await waitFor(
          `${raiser.username}'s hand everywhere`,
          () => everyone.every((s) => s.raisedHands.length === index + 1),
          10_000,
        );
      }
      const expected = raisers.map((s) => s.sessionId);
      for (const session of everyone) assertEquals(order(session), expected, `${session.username}'s order`);

      // The host on node A lowers a hand raised on node B.
      const lowered = await host.hostCommand({ case: "lowerHand", value: { sessionId: onB1.sessionId } });
      assertEquals(lowered, { ok: true, error: "" });
      await waitFor(
        "bea's hand down everywhere",
        () => everyone.every((s) => s.raisedHands.length === 3),
        10_000,
      );
      for (const session of everyone) assertEquals(order(session), expected.slice(1));

      // A participant on node B leaves with its hand up: it goes on node A too.
      await onB2.leave();
      const rest = [host, onB1, onA];
      await waitFor("bo's hand gone everywhere", () => rest.every((s) => s.raisedHands.length === 2), 10_000);
      for (const session of rest) assertEquals(order(session), [onA.sessionId, host.sessionId]);

      // A late joiner on node B gets the list, in the same order.
      const late = await join(b, "cy");
      await waitFor("the late joiner's list", () => late.raisedHands.length === 2, 10_000);
      assertEquals(order(late), [onA.sessionId, host.sessionId]);
    } finally {
      for (const session of sessions) if (!session.isClosed) await session.leave();
      for (const server of servers) await server.shutdown();
      for (const bus of buses) await bus.close();
      await db.close();
      await nats.stop();
    }
  },
});
