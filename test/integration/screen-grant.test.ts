/**
 * Screen share needs its own grant (issue 14 item 1): a participant with the camera and microphone
 * grants but not `publishScreen` has its SCREEN media dropped at the relay (counted as no-grant),
 * while its camera video reaches the others; a full participant's SCREEN media does reach them.
 */
import { Codec, MediaKind } from "@videocall/client";
import { Grant, grantBits } from "@videocall/protocol";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { metricValue } from "../fixtures/server.ts";
import { delay, waitFor } from "../fixtures/wait.ts";
import { join, startAuthSetup, token } from "./auth-fixtures.ts";

const FRAMES = 10;

Deno.test({
  name: "screen grant: SCREEN media from a participant without publishScreen reaches nobody; its camera does",
  // The PGlite server runs in this process; its database's timers outlive single steps.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const setup = await startAuthSetup("pglite");
    try {
      const meetingId = "screen-grant";
      const at = (identity: string, grants?: number) =>
        token({ identity, meetingId, ...(grants === undefined ? {} : { grants }) }).then((signed) => ({
          url: setup.url,
          transport: "websocket" as const,
          meetingId,
          token: signed,
        }));
      const host = await join(await at("host-1"));
      const noScreen = await join(
        await at("camera-only", grantBits(["publishAudio", "publishVideo", "subscribe"])),
      );
      const presenter = await join(await at("presenter"));
      await waitFor("everyone in the roster", () => host.participants.size === 2);
      assertEquals(noScreen.self.grants & Grant.publishScreen, 0, "the token left out the screen grant");
      assert((presenter.self.grants & Grant.publishScreen) !== 0, "a participant has the screen grant");

      // What the host receives, by sender and kind.
      const received = new Map<string, number>();
      host.events.on("media", (from, frame) => {
        const key = `${from}:${frame.kind}`;
        received.set(key, (received.get(key) ?? 0) + 1);
      });
      const count = (sessionId: number, kind: MediaKind) => received.get(`${sessionId}:${kind}`) ?? 0;

      const droppedBefore = metricValue(await setup.metrics(), "videocall_packets_dropped_no_grant_total");
      noScreen.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 });
      noScreen.publishTrack({ trackId: 3, kind: MediaKind.SCREEN, codec: Codec.VP8 });
      presenter.publishTrack({ trackId: 3, kind: MediaKind.SCREEN, codec: Codec.VP8 });
      const payload = new Uint8Array(300);
      for (let i = 0; i < FRAMES; i++) {
        const frame = { keyframe: true, captureTimeUs: Date.now() * 1000, payload };
        noScreen.sendFrame(2, frame);
        noScreen.sendFrame(3, frame);
        presenter.sendFrame(3, frame);
        await delay(10);
      }
      await waitFor(
        "the camera-only participant's camera and the presenter's screen at the host",
        () =>
          count(noScreen.sessionId, MediaKind.VIDEO) === FRAMES &&
          count(presenter.sessionId, MediaKind.SCREEN) === FRAMES,
        15_000,
      );
      await waitFor(
        "the relay to count the refused screen frames",
        async () =>
          metricValue(await setup.metrics(), "videocall_packets_dropped_no_grant_total") - droppedBefore >=
          FRAMES,
        15_000,
      );
      await delay(300);
      assertEquals(count(noScreen.sessionId, MediaKind.SCREEN), 0, "screen media without the grant");
      for (const session of [noScreen, presenter, host]) await session.leave();
    } finally {
      await setup.stop();
    }
  },
});
