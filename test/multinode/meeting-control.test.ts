import { CloseCode, MediaKind, ParticipantRole } from "../../packages/protocol/src/mod.ts";
import { NatsMeetingBus } from "../../packages/server/src/bus/nats-meeting-bus.ts";
import { log } from "../../packages/server/src/observability/log.ts";
import type { RunningServer } from "../../packages/server/src/server.ts";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { type ControlClient, joinControlClient } from "../fixtures/control-client.ts";
import { openTestMeetingDatabase, startControlServer } from "../fixtures/control-server.ts";
import { startNats } from "../fixtures/nats.ts";
import type { TestTransport } from "../fixtures/raw-client.ts";
import { delay } from "../fixtures/wait.ts";

/** Rounds and sorts latencies for the report line. */
function summary(latenciesMs: number[]): { medianMs: number; maxMs: number; samples: number } {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const medianMs = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  return {
    medianMs: Math.round(medianMs),
    maxMs: Math.round(sorted.at(-1) ?? Number.NaN),
    samples: sorted.length,
  };
}

const ROUNDS = 8;

Deno.test({
  name: "host controls cross nodes over a real nats-server: kick, admit, deny, mute, role, end take effect on the other node within 1 s",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const nats = await startNats();
    const db = await openTestMeetingDatabase();
    const buses: NatsMeetingBus[] = [];
    const servers: RunningServer[] = [];
    const clients: ControlClient[] = [];
    try {
      for (const nodeId of ["node-a", "node-b"]) {
        const bus = await NatsMeetingBus.connect({ servers: [nats.urls], nodeId, log });
        buses.push(bus);
        // The two nodes share one database, as nodes share one PostgreSQL.
        servers.push(await startControlServer(db.directory, { bus }));
      }
      const [a, b] = servers as [RunningServer, RunningServer];
      const join = async (
        server: RunningServer,
        name: string,
        meetingId: string,
        transport: TestTransport = "websocket",
      ) => {
        const client = await joinControlClient(transport, server.url, name, meetingId);
        clients.push(client);
        return client;
      };

      await t.step("a kick issued on node A closes the participant on node B (both transports)", async () => {
        const latencies: number[] = [];
        const host = await join(a, "hostk", "xkick");
        assertEquals(host.first, "welcome");
        for (let round = 0; round < ROUNDS; round++) {
          const transport: TestTransport = round % 2 === 0 ? "websocket" : "webtransport";
          const guest = await join(b, `guestk${round}`, "xkick", transport);
          assertEquals(guest.first, "welcome");
          await host.waitFor(`guestk${round} on node B`, (packets) =>
            packets.some(
              (p) =>
                p.body.case === "participantJoined" &&
                p.body.value.participant?.sessionId === guest.sessionId(),
            ),
          );
          const sentMs = performance.now();
          const result = await host.command({
            case: "kick",
            value: { sessionId: guest.sessionId(), ban: false, reason: "" },
          });
          assert(result.ok, result.error);
          const closed = await guest.closed;
          assertEquals(closed.code, CloseCode.kicked);
          latencies.push((await guest.closedAtMs) - sentMs);
        }
        const figures = summary(latencies);
        console.log(JSON.stringify({ measurement: "cross-node kick latency", ...figures }));
        assert(figures.maxMs < 1000, `a cross-node kick took ${figures.maxMs} ms`);
      });

      await t.step(
        "a joiner waiting on node B shows in the host's list on node A; admit and deny from A take effect on B",
        async () => {
          const latencies: number[] = [];
          const host = await join(a, "hosta", "xadmit");
          assert((await host.command({ case: "settings", value: { waitingRoom: true } })).ok);
          for (let round = 0; round < ROUNDS; round++) {
            const transport: TestTransport = round % 2 === 0 ? "websocket" : "webtransport";
            const guest = await join(b, `guesta${round}`, "xadmit", transport);
            assertEquals(guest.first, "waiting", "node B knows the waiting room is on");
            await host.waitFor(
              `guesta${round} in the waiting list`,
              () => host.state()?.waiting.some((w) => w.sessionId === guest.sessionId()) ?? false,
            );
            const sentMs = performance.now();
            const result = await host.command({
              case: "admit",
              value: { sessionIds: [guest.sessionId()], all: false },
            });
            assert(result.ok, result.error);
            await guest.waitFor("its welcome", () => guest.arrivalMs("welcome") !== undefined);
            latencies.push((guest.arrivalMs("welcome") as number) - sentMs);
          }
          const figures = summary(latencies);
          console.log(JSON.stringify({ measurement: "cross-node admit latency", ...figures }));
          assert(figures.maxMs < 1000, `a cross-node admit took ${figures.maxMs} ms`);
          const denied = await join(b, "guestd", "xadmit");
          await host.waitFor(
            "guestd waiting",
            () => host.state()?.waiting.some((w) => w.displayName === "guestd") ?? false,
          );
          assert(
            (await host.command({ case: "deny", value: { sessionIds: [denied.sessionId()], all: false } }))
              .ok,
          );
          assertEquals((await denied.closed).code, CloseCode.deniedEntry);
          await host.waitFor("an empty waiting list", () => host.state()?.waiting.length === 0);
        },
      );

      await t.step("a mute and a role change issued on A apply on B; end closes both nodes", async () => {
        const host = await join(a, "hostm", "xmute");
        const talker = await join(b, "talkerm", "xmute");
        const listener = await join(b, "listenerm", "xmute");
        await host.waitFor(
          "both on node B",
          (packets) => packets.filter((p) => p.body.case === "participantJoined").length >= 2,
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
          packets.some((p) => p.body.case === "mutedByHost"),
        );
        for (let i = 0; i < 20; i++) {
          talker.sendMedia(MediaKind.AUDIO, 1, i);
          talker.sendMedia(MediaKind.VIDEO, 2, i);
          await delay(5);
        }
        await listener.waitFor(
          "talker's video",
          () => listener.mediaFrom(talker.sessionId(), MediaKind.VIDEO) >= 20,
        );
        await delay(200);
        assertEquals(listener.mediaFrom(talker.sessionId(), MediaKind.AUDIO), 0);
        assertEquals(host.mediaFrom(talker.sessionId(), MediaKind.AUDIO), 0);

        assert(
          (
            await host.command({
              case: "setRole",
              value: { sessionId: talker.sessionId(), role: ParticipantRole.COHOST },
            })
          ).ok,
        );
        await listener.waitFor(
          "talkerm as co-host",
          () =>
            listener
              .state()
              ?.roles.some((r) => r.sessionId === talker.sessionId() && r.role === ParticipantRole.COHOST) ??
            false,
        );
        // The promoted co-host on node B may now command, over the bus too.
        const byCohost = await talker.command({
          case: "mute",
          value: { sessionId: listener.sessionId(), kind: MediaKind.VIDEO },
        });
        assert(byCohost.ok, byCohost.error);
        await listener.waitFor("the co-host's mute", (packets) =>
          packets.some((p) => p.body.case === "mutedByHost"),
        );

        const sentMs = performance.now();
        assert((await host.command({ case: "end", value: {} })).ok);
        const codes = await Promise.all([host.closed, talker.closed, listener.closed]);
        assertEquals(
          codes.map((c) => c.code),
          [CloseCode.meetingEnded, CloseCode.meetingEnded, CloseCode.meetingEnded],
        );
        const endMs = Math.max(await talker.closedAtMs, await listener.closedAtMs) - sentMs;
        console.log(JSON.stringify({ measurement: "cross-node end latency", ms: Math.round(endMs) }));
        assert(endMs < 1000);
      });
    } finally {
      for (const client of clients) client.close();
      for (const server of servers) await server.shutdown();
      for (const bus of buses) await bus.close();
      await db.close();
      await nats.stop();
    }
  },
});
