/**
 * End-to-end H.264: a page that picks H.264 in the codec menu publishes Annex-B (avc1.42001f), and
 * a page that still publishes VP8 decodes it, and is decoded by it (built web app: `npm run build:web`).
 */
import { ok } from "node:assert/strict";
import { Codec, joinMeeting, MediaKind } from "@videocall/client";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { waitForVideo } from "../fixtures/media-expectations.ts";
import { startServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;

Deno.test("a page publishing H.264 and one publishing VP8 see each other", TEST_OPTIONS, async () => {
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const alice = await openMeetingPage(browser, server.url, "alice", "h264");
    const bob = await openMeetingPage(browser, server.url, "bob", "h264");
    await alice.page.getByLabel("Video codec").selectOption("h264");
    const aliceId = await join(alice.page);
    // A library client that decodes H.264 reads the wire codec: alice keeps H.264 for it.
    const watcher = await joinMeeting({
      serverUrl: server.url,
      username: "watcher",
      meetingId: "h264",
      videoDecoders: [Codec.H264, Codec.VP8],
    });
    const codecs: Codec[] = [];
    watcher.events.on("media", (from, media) => {
      if (from === aliceId && media.kind === MediaKind.VIDEO) codecs.push(media.codec);
    });
    await waitFor("H.264 frames from alice", () => codecs.includes(Codec.H264), 20_000);
    ok(
      codecs.every((codec) => codec === Codec.H264),
      String(codecs),
    );
    const bobId = await join(bob.page);

    const [aliceFrames, bobFrames] = await Promise.all([
      waitForVideo(bob.page, aliceId),
      waitForVideo(alice.page, bobId),
    ]);
    const errors = [...alice.errors, ...bob.errors];
    ok(!errors.some((error) => /encod|decod/i.test(error)), errors.join("\n"));
    ok(aliceFrames > 0 && bobFrames > 0);
    await watcher.leave();
  } finally {
    await browser.close();
    await server.stop();
  }
});
