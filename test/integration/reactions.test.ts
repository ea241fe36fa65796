import { joinMeeting, type MeetingSession, type RaisedHandInfo } from "@videocall/client";
import {
  encodePacket,
  REACTION_BURST,
  ReactionRefusal,
  type ReactionRefused,
} from "../../packages/protocol/src/mod.ts";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { type ControlClient, joinControlClient } from "../fixtures/control-client.ts";
import { openTestMeetingDatabase, startControlServer } from "../fixtures/control-server.ts";
import { delay, waitFor } from "../fixtures/wait.ts";

/** What one library session saw: reactions by sender, refusals, and the latest list of hands. */
interface Observer {
  reactions: Array<{ from: number; emoji: string }>;
  refusals: Array<{ reason: string; emoji: string }>;
  hands: () => readonly RaisedHandInfo[];
}

function observe(session: MeetingSession): Observer {
  const observer: Observer = { reactions: [], refusals: [], hands: () => session.raisedHands };
  session.events.on("reaction", (from, emoji) => observer.reactions.push({ from, emoji }));
  session.events.on("reactionRefused", (reason, emoji) => observer.refusals.push({ reason, emoji }));
  return observer;
}

const order = (session: MeetingSession) => session.raisedHands.map((hand) => hand.sessionId);

Deno.test({
  name: "reactions and raised hands: stamped delivery, refusals, rate limit, order, host lowering, leave",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const db = await openTestMeetingDatabase();
    const server = await startControlServer(db.directory);
    const sessions: MeetingSession[] = [];
    const raws: ControlClient[] = [];
    const join = async (username: string, meetingId: string) => {
      const session = await joinMeeting({ serverUrl: server.url, username, meetingId, reconnect: false });
      sessions.push(session);
      return session;
    };
    try {
      // The first joiner of a meeting id is its host (DirectoryRoleAdmitter).
      const host = await join("hana", "reactions");
      const bob = await join("bob", "reactions");
      const carol = await join("carol", "reactions");
      const [seenByHost, seenByBob, seenByCarol] = [observe(host), observe(bob), observe(carol)];
      await waitFor(
        "everyone sees everyone",
        () => host.participants.size === 2 && carol.participants.size === 2,
      );

      await t.step("a reaction reaches everyone, the sender too, stamped with the sender", async () => {
        bob.react("👏");
        for (const seen of [seenByHost, seenByBob, seenByCarol]) {
          await waitFor("bob's reaction", () => seen.reactions.length === 1);
          assertEquals(seen.reactions[0], { from: bob.sessionId, emoji: "👏" });
        }
      });

      await t.step(
        "an emoji outside the allowed set is refused with a typed answer and reaches nobody",
        async () => {
          const raw = await joinControlClient("websocket", server.url, "mallory", "reactions");
          raws.push(raw);
          await waitFor("mallory is in", () => host.participants.size === 3);
          for (const emoji of ["💩", "<script>alert(1)</script>", "x".repeat(200)]) {
            raw.send(encodePacket({ body: { case: "reaction", value: { emoji } } }));
          }
          await raw.waitFor("three refusals", () => raw.count("reactionRefused") === 3);
          const refusals = raw.received
            .filter((p) => p.body.case === "reactionRefused")
            .map((p) => p.body.value as ReactionRefused);
          assert(refusals.every((r) => r.reason === ReactionRefusal.UNKNOWN_EMOJI));
          assertEquals(refusals[0]?.emoji, "💩");
          assertEquals(refusals[2]?.emoji.length, 16, "the echo is cut");
          assertEquals(raw.isClosed(), false, "a refusal is not a close");
          // A reaction mallory may send still goes through after the refusals, so nothing was lost on the way.
          raw.send(encodePacket({ body: { case: "reaction", value: { emoji: "🎉" } } }));
          await waitFor("mallory's allowed reaction", () => seenByCarol.reactions.length === 2);
          assertEquals(seenByCarol.reactions[1]?.emoji, "🎉");
          assertEquals(server.stats.reactionsRefused.unknown_emoji, 3);
          raw.close();
          await waitFor("mallory left", () => host.participants.size === 2);
        },
      );

      await t.step("reactions over a participant's budget are refused as rate limited", async () => {
        const before = seenByHost.reactions.length;
        for (let i = 0; i < 20; i++) carol.react("❤️");
        await waitFor("carol's refusals", () => seenByCarol.refusals.length > 0);
        await delay(500);
        const delivered = seenByHost.reactions.length - before;
        assert(delivered >= REACTION_BURST, `delivered ${delivered}`);
        // The burst plus what 2 per second refill while 20 packets cross loopback: far fewer than 20.
        assert(delivered <= REACTION_BURST + 3, `delivered ${delivered}`);
        assert(seenByCarol.refusals.every((r) => r.reason === "rate_limited" && r.emoji === "❤️"));
        assertEquals(seenByCarol.refusals.length + delivered, 20);
      });

      await t.step(
        "three raised hands are listed in the order they went up, the same for everyone",
        async () => {
          carol.raiseHand(true);
          await waitFor("carol's hand", () => order(host).length === 1);
          host.raiseHand(true);
          await waitFor("the host's hand", () => order(bob).length === 2);
          bob.raiseHand(true);
          bob.raiseHand(true); // a second raise keeps the place
          const expected = [carol.sessionId, host.sessionId, bob.sessionId];
          for (const session of [host, bob, carol]) {
            await waitFor("three hands", () => order(session).length === 3);
            assertEquals(order(session), expected);
          }
          assert(bob.handRaised);
          host.raiseHand(false);
          await waitFor("the host's hand down", () => order(carol).length === 2);
          assertEquals(order(carol), [carol.sessionId, bob.sessionId]);
        },
      );

      await t.step("a host lowers someone's hand; a participant cannot", async () => {
        const refused = await bob.hostCommand({ case: "lowerHand", value: { sessionId: carol.sessionId } });
        assertEquals(refused.ok, false);
        assertEquals(refused.error, "only hosts and co-hosts may do this");
        assertEquals(order(host), [carol.sessionId, bob.sessionId]);
        const lowered = await host.hostCommand({ case: "lowerHand", value: { sessionId: carol.sessionId } });
        assertEquals(lowered, { ok: true, error: "" });
        await waitFor("carol's hand down for carol", () => !carol.handRaised);
        assertEquals(order(bob), [bob.sessionId]);
        const notRaised = await host.hostCommand({
          case: "lowerHand",
          value: { sessionId: carol.sessionId },
        });
        assertEquals(notRaised, { ok: false, error: "that hand is not raised" });
      });

      await t.step("a hand is dropped when its participant leaves", async () => {
        assertEquals(order(host), [bob.sessionId]);
        await bob.leave();
        await waitFor("bob's hand gone", () => order(host).length === 0 && order(carol).length === 0);
        // A late joiner gets the current list; the list it would get now is empty, so raise one first.
        carol.raiseHand(true);
        await waitFor("carol's hand again", () => order(host).length === 1);
        const late = await join("dave", "reactions");
        await waitFor("the late joiner's list", () => order(late).length === 1);
        assertEquals(order(late), [carol.sessionId]);
      });
    } finally {
      for (const raw of raws) raw.close();
      for (const session of sessions) if (!session.isClosed) await session.leave();
      await server.shutdown();
      await db.close();
    }
  },
});
