/**
 * The auth matrix of issue 10 on both transports and both databases: every refusal with its own code, the
 * creator as host, and grants enforced per packet (a publish without the grant reaches nobody).
 */
import { Codec, MediaKind } from "@videocall/client";
import { CloseCode, Grant, grantBits } from "@videocall/protocol";
import { SignJWT } from "jose";
import { BACKENDS } from "../db/backends.ts";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { metricValue } from "../fixtures/server.ts";
import { delay, waitFor } from "../fixtures/wait.ts";
import { CREDENTIALS, join, refusedWith, startAuthSetup, token } from "./auth-fixtures.ts";

for (const backend of BACKENDS) {
  Deno.test({
    name: `auth matrix (${backend}): every refusal has its code on WebSocket and WebTransport; grants hold per packet`,
    // The PGlite server runs in this process; its database's timers outlive single steps.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const setup = await startAuthSetup(backend);
      try {
        for (const transport of ["websocket", "webtransport"] as const) {
          const meetingId = `matrix-${transport}`;
          const url = setup.url;
          const at = (extra: {
            token?: string;
            password?: string;
            meetingId?: string;
            e2ee?: { mode: "passphrase"; passphrase: string };
          }) => ({
            url,
            transport,
            meetingId,
            ...extra,
          });

          // The first identity admitted to a new meeting id is its host.
          const host = await join(at({ token: await token({ identity: "host-1", meetingId }) }));
          assertEquals(host.transportKind, transport);
          assertEquals(host.self.role, "host", `${transport}: creator is host`);
          assertEquals(host.self.identity, "host-1");
          assert((host.self.grants & Grant.admin) !== 0, "a host has the admin grant");

          assertEquals(await refusedWith(at({})), CloseCode.tokenRequired, `${transport}: no token`);
          const expired = await new SignJWT({ name: "late", meeting: meetingId, role: "participant" })
            .setProtectedHeader({ alg: "HS256" })
            .setSubject("late-1")
            .setIssuer(CREDENTIALS.apiKey)
            .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
            .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
            .sign(new TextEncoder().encode(CREDENTIALS.apiSecret));
          assertEquals(
            await refusedWith(at({ token: expired })),
            CloseCode.tokenExpired,
            `${transport}: expired`,
          );
          const otherMeeting = await token({ identity: "wanderer", meetingId: "elsewhere" });
          assertEquals(
            await refusedWith(at({ token: otherMeeting })),
            CloseCode.tokenWrongMeeting,
            `${transport}: another meeting's token`,
          );
          const forged = await new SignJWT({ name: "forger", meeting: meetingId })
            .setProtectedHeader({ alg: "HS256" })
            .setSubject("host-1")
            .setIssuer(CREDENTIALS.apiKey)
            .setExpirationTime("10m")
            .sign(new TextEncoder().encode("another-secret-of-at-least-32-bytes!!"));
          assertEquals(
            await refusedWith(at({ token: forged })),
            CloseCode.tokenInvalid,
            `${transport}: bad signature`,
          );
          assertEquals(
            await refusedWith(at({ token: "not.a.jwt" })),
            CloseCode.tokenInvalid,
            `${transport}: garbage token`,
          );

          // Banned: admitted once, banned by the host, refused on rejoin.
          const troublemakerToken = await token({ identity: "troublemaker", meetingId });
          const troublemaker = await join(at({ token: troublemakerToken }));
          assertEquals(troublemaker.self.role, "participant");
          await troublemaker.leave();
          await setup.meetings.ban(meetingId, "troublemaker", "host-1", { reason: "spam" });
          assertEquals(
            await refusedWith(at({ token: troublemakerToken })),
            CloseCode.banned,
            `${transport}: banned rejoin`,
          );

          // Guests where guests are off; a signed-in (non-guest) participant still joins.
          await setup.meetings.updateSettings(meetingId, { guestsAllowed: false });
          const guestToken = await token({ identity: "guest:g1", meetingId, guest: true });
          assertEquals(
            await refusedWith(at({ token: guestToken })),
            CloseCode.guestsNotAllowed,
            `${transport}: guest where guests are off`,
          );
          await (await join(at({ token: await token({ identity: "member-1", meetingId }) }))).leave();
          await setup.meetings.updateSettings(meetingId, { guestsAllowed: true });

          // Password: none, wrong, right; the host needs none.
          await setup.meetings.updateSettings(meetingId, { password: "open sesame" });
          const memberToken = await token({ identity: "member-2", meetingId });
          assertEquals(
            await refusedWith(at({ token: memberToken })),
            CloseCode.passwordRequired,
            `${transport}: no password`,
          );
          assertEquals(
            await refusedWith(at({ token: memberToken, password: "open says me" })),
            CloseCode.wrongPassword,
            `${transport}: wrong password`,
          );
          await (await join(at({ token: memberToken, password: "open sesame" }))).leave();
          await setup.meetings.updateSettings(meetingId, { password: null });

          // Locked: nobody new, except hosts.
          await setup.meetings.updateSettings(meetingId, { locked: true });
          assertEquals(
            await refusedWith(at({ token: memberToken })),
            CloseCode.meetingLocked,
            `${transport}: locked meeting`,
          );
          const hostAgain = await join(at({ token: await token({ identity: "host-1", meetingId }) }));
          assertEquals(hostAgain.self.role, "host");
          await hostAgain.leave();
          await setup.meetings.updateSettings(meetingId, { locked: false });

          // E2EE required: a client that does not encrypt is refused, the host too; one that encrypts joins.
          await setup.meetings.updateSettings(meetingId, { e2eeRequired: true });
          assertEquals(
            await refusedWith(at({ token: memberToken })),
            CloseCode.e2eeRequired,
            `${transport}: E2EE required, client in clear`,
          );
          assertEquals(
            await refusedWith(at({ token: await token({ identity: "host-1", meetingId }) })),
            CloseCode.e2eeRequired,
            `${transport}: E2EE required, host in clear`,
          );
          const encrypting = await join(
            at({ token: memberToken, e2ee: { mode: "passphrase", passphrase: "correct horse battery" } }),
          );
          assertEquals(encrypting.e2eeRequired, true, `${transport}: the Welcome says E2EE is required`);
          await encrypting.leave();
          await setup.meetings.updateSettings(meetingId, { e2eeRequired: false });

          // Grants: a viewer (subscribe only) publishes video and audio; nobody gets any of it. A listener
          // without subscribe gets none of the host's media while a full participant gets it all.
          const viewer = await join(
            at({
              token: await token({
                identity: "viewer-1",
                meetingId,
                grants: grantBits(["subscribe"]),
              }),
            }),
          );
          const deaf = await join(
            at({
              token: await token({
                identity: "deaf-1",
                meetingId,
                grants: grantBits(["publishAudio", "publishVideo"]),
              }),
            }),
          );
          const member = await join(at({ token: await token({ identity: "member-3", meetingId }) }));
          await waitFor(
            "everyone in the roster",
            () => host.participants.size === 3 && member.participants.size === 3,
          );
          const fromViewer = { atHost: 0, atMember: 0 };
          const fromHost = { atMember: 0, atDeaf: 0 };
          host.events.on("media", (from) => {
            if (from === viewer.sessionId) fromViewer.atHost++;
          });
          member.events.on("media", (from) => {
            if (from === viewer.sessionId) fromViewer.atMember++;
            if (from === host.sessionId) fromHost.atMember++;
          });
          deaf.events.on("media", (from) => {
            if (from === host.sessionId) fromHost.atDeaf++;
          });
          const droppedBefore = metricValue(
            await setup.metrics(),
            "videocall_packets_dropped_no_grant_total",
          );
          viewer.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 });
          viewer.publishTrack({ trackId: 1, kind: MediaKind.AUDIO, codec: Codec.OPUS });
          host.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 });
          const payload = new Uint8Array(300);
          for (let i = 0; i < 10; i++) {
            const frame = { keyframe: true, captureTimeUs: Date.now() * 1000, payload };
            viewer.sendFrame(2, frame);
            viewer.sendFrame(1, frame);
            host.sendFrame(2, frame);
            await delay(10);
          }
          await waitFor("the member to get the host's 10 frames", () => fromHost.atMember === 10, 15_000);
          await waitFor(
            "the server to count the viewer's 20 packets as dropped",
            async () =>
              metricValue(await setup.metrics(), "videocall_packets_dropped_no_grant_total") -
                droppedBefore >=
              20,
            15_000,
          );
          await delay(300);
          assertEquals(fromViewer, { atHost: 0, atMember: 0 }, `${transport}: a publish without the grant`);
          assertEquals(fromHost.atDeaf, 0, `${transport}: no media without the subscribe grant`);
          assertEquals(viewer.self.grants, Grant.subscribe);

          // Two people named "alice" are two identities, and the roster says so.
          const alice1 = await join(
            at({ token: await token({ identity: "alice-a", displayName: "alice", meetingId }) }),
          );
          const alice2 = await join(
            at({ token: await token({ identity: "alice-b", displayName: "alice", meetingId }) }),
          );
          await waitFor("alice 1 to see alice 2", () =>
            [...alice1.participants.values()].some((p) => p.identity === "alice-b"),
          );
          await waitFor(
            "the member to see both alices",
            () => [...member.participants.values()].filter((p) => p.username === "alice").length === 2,
          );
          assertEquals(
            new Set(
              [...member.participants.values()].filter((p) => p.username === "alice").map((p) => p.identity),
            ),
            new Set(["alice-a", "alice-b"]),
          );
          for (const session of [alice1, alice2, viewer, deaf, member, host]) await session.leave();
        }
      } finally {
        await setup.stop();
      }
    },
  });
}
