import { CloseCode, LeaveReason, MediaKind, ParticipantRole } from "../../packages/protocol/src/mod.ts";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { type ControlClient, joinControlClient } from "../fixtures/control-client.ts";
import { openTestMeetingDatabase, startControlServer } from "../fixtures/control-server.ts";
import type { TestTransport } from "../fixtures/raw-client.ts";
import { delay } from "../fixtures/wait.ts";

const TRANSPORTS: TestTransport[] = ["websocket", "webtransport"];

/** Sends `count` audio and video frames from `client`, a few milliseconds apart. */
async function publish(client: ControlClient, count: number, firstSequence = 0): Promise<void> {
  for (let i = 0; i < count; i++) {
    client.sendMedia(MediaKind.AUDIO, 1, firstSequence + i);
    client.sendMedia(MediaKind.VIDEO, 2, firstSequence + i);
    await delay(5);
  }
}

const PING = { body: { case: "ping" as const, value: { nonce: 7 } } };

for (const transport of TRANSPORTS) {
  Deno.test({
    name: `meeting control over ${transport}: waiting room, admit, deny, kick, ban, mute, lock, end, refused commands`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const db = await openTestMeetingDatabase();
      const server = await startControlServer(db.directory);
      const clients: ControlClient[] = [];
      const join = async (name: string, meetingId: string) => {
        const client = await joinControlClient(transport, server.url, name, meetingId);
        clients.push(client);
        return client;
      };
      const { encodePacket } = await import("../../packages/protocol/src/mod.ts");
      try {
        await t.step(
          "a waiting joiner gets 0 media bytes and no roster, and its own media reaches nobody",
          async () => {
            const host = await join("host1", `wr-${transport}`);
            assertEquals(host.first, "welcome");
            assertEquals(
              host.received[0]?.body.case === "welcome" && host.received[0].body.value.you?.role,
              ParticipantRole.HOST,
            );
            assert((await host.command({ case: "settings", value: { waitingRoom: true } })).ok);
            const member = await join("member1", `wr-${transport}`);
            // The host admits member1 before anything else so that media and roster changes happen around the waiting one.
            await host.waitFor("member1 waiting", () => (host.state()?.waiting.length ?? 0) === 1);
            assert(
              (await host.command({ case: "admit", value: { sessionIds: [member.sessionId()], all: false } }))
                .ok,
            );
            await member.waitFor("its welcome", (packets) => packets.some((p) => p.body.case === "welcome"));

            const guest = await join("guest1", `wr-${transport}`);
            assertEquals(guest.first, "waiting");
            await host.waitFor(
              "guest1 in the waiting list",
              () =>
                host
                  .state()
                  ?.waiting.some((w) => w.displayName === "guest1" && w.identity === "guest:guest1") ?? false,
            );
            // Everything a meeting does while guest1 waits: media, track state, joins and leaves, state changes.
            host.sendTrackState([
              { trackId: 1, kind: MediaKind.AUDIO, muted: false },
              { trackId: 2, kind: MediaKind.VIDEO, muted: false },
            ]);
            const passer = await join("passer1", `wr-${transport}`);
            assertEquals(passer.first, "waiting");
            passer.close();
            await publish(host, 40);
            await publish(member, 20);
            await publish(guest, 20); // the waiting joiner's own media: dropped
            guest.send(encodePacket(PING));
            await guest.waitFor("a pong while waiting", (packets) =>
              packets.some((p) => p.body.case === "pong"),
            );
            await member.waitFor(
              "the host's media",
              () => member.mediaFrom(host.sessionId(), MediaKind.VIDEO) >= 40,
            );
            await delay(300);
            const kinds = [...guest.bytesByBody.keys()].sort();
            assertEquals(
              kinds,
              ["pong", "waiting"],
              `guest1 received ${JSON.stringify([...guest.bytesByBody])}`,
            );
            assertEquals(guest.bytesByBody.get("media") ?? 0, 0);
            assertEquals(host.mediaFrom(guest.sessionId()) + member.mediaFrom(guest.sessionId()), 0);
            assert(server.stats.packetsDroppedWaiting >= 40, `dropped ${server.stats.packetsDroppedWaiting}`);

            assert(
              (await host.command({ case: "admit", value: { sessionIds: [guest.sessionId()], all: false } }))
                .ok,
            );
            await guest.waitFor("its welcome", (packets) => packets.some((p) => p.body.case === "welcome"));
            const welcome = guest.received.find((p) => p.body.case === "welcome");
            assert(welcome?.body.case === "welcome");
            assertEquals(welcome.body.value.participants.map((p) => p.username).sort(), ["host1", "member1"]);
            await host.waitFor("guest1 joined", (packets) =>
              packets.some(
                (p) => p.body.case === "participantJoined" && p.body.value.participant?.username === "guest1",
              ),
            );
            await host.waitFor("an empty waiting list", () => host.state()?.waiting.length === 0);
            await publish(host, 10, 100);
            await guest.waitFor(
              "the host's media after admission",
              () => guest.mediaFrom(host.sessionId()) >= 10,
            );
            // Non-hosts never see the waiting list.
            assert(
              member.received.every(
                (p) => p.body.case !== "meetingState" || p.body.value.waiting.length === 0,
              ),
            );
          },
        );

        await t.step("admit all lets every waiting joiner in; deny closes with 4042", async () => {
          const meeting = `all-${transport}`;
          const host = await join("host2", meeting);
          assert((await host.command({ case: "settings", value: { waitingRoom: true } })).ok);
          const a = await join("a2", meeting);
          const b = await join("b2", meeting);
          const c = await join("c2", meeting);
          assertEquals([a.first, b.first, c.first], ["waiting", "waiting", "waiting"]);
          await host.waitFor("three waiting", () => host.state()?.waiting.length === 3);
          assert(
            (await host.command({ case: "deny", value: { sessionIds: [c.sessionId()], all: false } })).ok,
          );
          assertEquals((await c.closed).code, CloseCode.deniedEntry);
          assert((await host.command({ case: "admit", value: { sessionIds: [], all: true } })).ok);
          for (const joiner of [a, b]) {
            await joiner.waitFor("its welcome", (packets) => packets.some((p) => p.body.case === "welcome"));
          }
          const result = await host.command({ case: "admit", value: { sessionIds: [12345], all: false } });
          assertEquals(result.ok, false, "an unknown id is not admitted");
        });

        await t.step(
          "kick closes with 4040 and the others see KICKED; kick with ban closes with 4041 and refuses the rejoin with 4025",
          async () => {
            const meeting = `kick-${transport}`;
            const host = await join("host3", meeting);
            const bob = await join("bob3", meeting);
            const eve = await join("eve3", meeting);
            assert(
              (
                await host.command({
                  case: "kick",
                  value: { sessionId: bob.sessionId(), ban: false, reason: "" },
                })
              ).ok,
            );
            assertEquals((await bob.closed).code, CloseCode.kicked);
            await eve.waitFor("bob's leave", (packets) =>
              packets.some(
                (p) =>
                  p.body.case === "participantLeft" &&
                  p.body.value.sessionId === bob.sessionId() &&
                  p.body.value.reason === LeaveReason.KICKED,
              ),
            );
            const bobAgain = await join("bob3", meeting);
            assertEquals(bobAgain.first, "welcome", "a kick without a ban lets the participant rejoin");
            assert(
              (
                await host.command({
                  case: "kick",
                  value: { sessionId: eve.sessionId(), ban: true, reason: "spam" },
                })
              ).ok,
            );
            const closed = await eve.closed;
            assertEquals(closed.code, CloseCode.kickedAndBanned);
            const eveAgain = await join("eve3", meeting);
            assertEquals((await eveAgain.closed).code, CloseCode.banned);
            const ban = await db.directory.factsForJoin(meeting, "guest:eve3");
            assertEquals(ban.ban?.reason, "spam");
            const kickHost = await bobAgain.command({
              case: "kick",
              value: { sessionId: host.sessionId(), ban: false, reason: "" },
            });
            assertEquals(kickHost.ok, false);
          },
        );

        await t.step(
          "a host mute stops forwarding that track; the participant is told and may unmute itself",
          async () => {
            const meeting = `mute-${transport}`;
            const host = await join("host4", meeting);
            const talker = await join("talker4", meeting);
            const listener = await join("listener4", meeting);
            talker.sendTrackState([
              { trackId: 1, kind: MediaKind.AUDIO, muted: false },
              { trackId: 2, kind: MediaKind.VIDEO, muted: false },
            ]);
            await publish(talker, 10);
            await listener.waitFor(
              "talker's audio",
              () => listener.mediaFrom(talker.sessionId(), MediaKind.AUDIO) >= 10,
            );
            assert(
              (
                await host.command({
                  case: "mute",
                  value: { sessionId: talker.sessionId(), kind: MediaKind.AUDIO },
                })
              ).ok,
            );
            await talker.waitFor("the mute notice", (packets) =>
              packets.some(
                (p) =>
                  p.body.case === "mutedByHost" &&
                  p.body.value.kind === MediaKind.AUDIO &&
                  p.body.value.bySessionId === host.sessionId(),
              ),
            );
            const audioBefore = listener.mediaFrom(talker.sessionId(), MediaKind.AUDIO);
            const videoBefore = listener.mediaFrom(talker.sessionId(), MediaKind.VIDEO);
            // A client that ignores the notice and keeps sending, even claiming to be unmuted, is still dropped.
            talker.sendTrackState([
              { trackId: 1, kind: MediaKind.AUDIO, muted: false },
              { trackId: 2, kind: MediaKind.VIDEO, muted: false },
            ]);
            await publish(talker, 30, 100);
            await listener.waitFor(
              "talker's video after the mute",
              () => listener.mediaFrom(talker.sessionId(), MediaKind.VIDEO) >= videoBefore + 30,
            );
            await delay(200);
            assertEquals(
              listener.mediaFrom(talker.sessionId(), MediaKind.AUDIO),
              audioBefore,
              "0 audio frames after the mute",
            );
            assert(server.stats.packetsDroppedMutedByHost >= 30);
            // The participant obeys (audio muted), then unmutes itself: forwarded again.
            talker.sendTrackState([
              { trackId: 1, kind: MediaKind.AUDIO, muted: true },
              { trackId: 2, kind: MediaKind.VIDEO, muted: false },
            ]);
            talker.sendTrackState([
              { trackId: 1, kind: MediaKind.AUDIO, muted: false },
              { trackId: 2, kind: MediaKind.VIDEO, muted: false },
            ]);
            await publish(talker, 10, 200);
            await listener.waitFor(
              "talker's audio after it unmuted",
              () => listener.mediaFrom(talker.sessionId(), MediaKind.AUDIO) >= audioBefore + 10,
            );
          },
        );

        await t.step(
          "a locked meeting refuses a new joiner with 4026 but not its host; unlocked, it admits again",
          async () => {
            const meeting = `lock-${transport}`;
            const host = await join("host5", meeting);
            assert((await host.command({ case: "settings", value: { locked: true } })).ok);
            await host.waitFor("the locked state", () => host.state()?.locked === true);
            const late = await join("late5", meeting);
            assertEquals((await late.closed).code, CloseCode.meetingLocked);
            assertEquals((await db.directory.get(meeting))?.settings.locked, true);
            const hostAgain = await join("host5", meeting);
            assertEquals(hostAgain.first, "welcome", "the host passes the lock");
            assert((await host.command({ case: "settings", value: { locked: false } })).ok);
            assertEquals((await join("late5", meeting)).first, "welcome");
          },
        );

        await t.step(
          "a password set by the host is stored hashed and shown as has_password; removing it clears it",
          async () => {
            const meeting = `pw-${transport}`;
            const host = await join("host6", meeting);
            assert((await host.command({ case: "settings", value: { password: "hunter2" } })).ok);
            await host.waitFor("has_password", () => host.state()?.hasPassword === true);
            const stored = (await db.directory.get(meeting))?.settings.passwordHash;
            assert(stored && !stored.includes("hunter2"));
            const noPassword = await join("nopw6", meeting);
            assertEquals((await noPassword.closed).code, CloseCode.notAdmitted);
            assert((await host.command({ case: "settings", value: { password: "" } })).ok);
            await host.waitFor("no password", () => host.state()?.hasPassword === false);
            assertEquals((await join("nopw6", meeting)).first, "welcome");
          },
        );

        await t.step(
          "a co-host may command, a participant may not (refused and counted); only the host changes roles",
          async () => {
            const meeting = `roles-${transport}`;
            const host = await join("host7", meeting);
            const co = await join("co7", meeting);
            const pat = await join("pat7", meeting);
            const refusedBefore = server.stats.hostCommands.refused;
            const refused = await pat.command({
              case: "kick",
              value: { sessionId: co.sessionId(), ban: false, reason: "" },
            });
            assertEquals(refused.ok, false);
            assertEquals(server.stats.hostCommands.refused, refusedBefore + 1);
            assert(!co.isClosed());
            assert(
              (
                await host.command({
                  case: "setRole",
                  value: { sessionId: co.sessionId(), role: ParticipantRole.COHOST },
                })
              ).ok,
            );
            await pat.waitFor(
              "co7 as co-host",
              () =>
                pat
                  .state()
                  ?.roles.some((r) => r.sessionId === co.sessionId() && r.role === ParticipantRole.COHOST) ??
                false,
            );
            assertEquals((await db.directory.factsForJoin(meeting, "guest:co7")).role, "cohost");
            const byCohost = await co.command({
              case: "mute",
              value: { sessionId: pat.sessionId(), kind: MediaKind.VIDEO },
            });
            assert(byCohost.ok, byCohost.error);
            const promoteByCohost = await co.command({
              case: "setRole",
              value: { sessionId: pat.sessionId(), role: ParticipantRole.COHOST },
            });
            assertEquals(promoteByCohost.ok, false);
            const invalid = await host.command({
              case: "mute",
              value: { sessionId: pat.sessionId(), kind: 0 },
            });
            assertEquals(invalid.ok, false);
            assert(server.stats.hostCommands.invalid >= 1);
          },
        );

        await t.step("ending the meeting closes everyone, waiting joiners too, with 4043", async () => {
          const meeting = `end-${transport}`;
          const host = await join("host8", meeting);
          const bob = await join("bob8", meeting);
          assert((await host.command({ case: "settings", value: { waitingRoom: true } })).ok);
          const waiter = await join("waiter8", meeting);
          assertEquals(waiter.first, "waiting");
          assert((await host.command({ case: "end", value: {} })).ok);
          const codes = await Promise.all([host.closed, bob.closed, waiter.closed]);
          assertEquals(
            codes.map((c) => c.code),
            [CloseCode.meetingEnded, CloseCode.meetingEnded, CloseCode.meetingEnded],
          );
          assert((await db.directory.get(meeting))?.endedAt);
          // The log keeps what the host did, by whom (written in the background: poll briefly).
          let events: string[] = [];
          for (let attempt = 0; attempt < 50 && !events.includes("ended"); attempt++) {
            events = (await db.directory.logOf(meeting))
              .filter((entry) => entry.identity === "guest:host8")
              .map((entry) => entry.event);
            if (!events.includes("ended")) await new Promise((resolve) => setTimeout(resolve, 100));
          }
          assert(events.includes("settings_changed"), `host's log events: ${events.join(", ")}`);
          assert(events.includes("ended"), `host's log events: ${events.join(", ")}`);
        });
      } finally {
        for (const client of clients) client.close();
        await server.shutdown();
        await db.close();
      }
    },
  });
}

Deno.test({
  name: "the client library waits in the waiting room through its heartbeats, joins when admitted, and fails with 4042 when denied",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { joinMeeting } = await import("@videocall/client");
    const db = await openTestMeetingDatabase();
    const server = await startControlServer(db.directory);
    try {
      const host = await joinMeeting({
        serverUrl: server.url,
        username: "libhost",
        meetingId: "lib",
        reconnect: false,
      });
      assertEquals(host.role, "host");
      assert((await host.hostCommand({ case: "settings", value: { waitingRoom: true } })).ok);
      let waited = 0;
      const joining = joinMeeting({
        serverUrl: server.url,
        username: "libguest",
        meetingId: "lib",
        reconnect: false,
        onWaiting: () => waited++,
      });
      const { waitFor } = await import("../fixtures/wait.ts");
      await waitFor("libguest in the waiting list", () => host.meetingState.waiting.length === 1);
      // Longer than two of the waiting client's heartbeats: their pongs must not end the wait.
      await delay(6000);
      assertEquals(waited, 1);
      const [joiner] = host.meetingState.waiting;
      assert(joiner);
      assert((await host.hostCommand({ case: "admit", value: { sessionIds: [joiner.sessionId] } })).ok);
      const guest = await joining;
      assertEquals(guest.sessionId, joiner.sessionId);
      assertEquals(
        [...guest.participants.values()].map((p) => [p.username, p.role]),
        [["libhost", "host"]],
      );

      const denied = joinMeeting({
        serverUrl: server.url,
        username: "libdenied",
        meetingId: "lib",
        reconnect: false,
      });
      await waitFor("libdenied in the waiting list", () => host.meetingState.waiting.length === 1);
      assert((await host.hostCommand({ case: "deny", value: { all: true } })).ok);
      const error = await denied.then(
        () => undefined,
        (reason: unknown) => reason as { closeCode?: number },
      );
      assertEquals(error?.closeCode, CloseCode.deniedEntry);

      const refused = await guest.hostCommand({ case: "end", value: {} });
      assertEquals(refused.ok, false, "a participant may not end the meeting");
      assert(
        (
          await host.hostCommand({
            case: "mute",
            value: { sessionId: guest.sessionId, kind: MediaKind.AUDIO },
          })
        ).ok,
      );
      await guest.leave();
      await host.leave();
    } finally {
      await server.shutdown();
      await db.close();
    }
  },
});
