/**
 * End-to-end H.264: a page that picks H.264 in the codec menu publishes Annex-B (avc1.42001f), and
 * a page that still publishes VP8 decodes it, and is decoded by it (built web app: `npm run build:web`).
 */
import { ok, strictEqual } from "node:assert/strict";
import { runCli } from "../cli/cli.ts";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { waitForVideo } from "../fixtures/media-expectations.ts";
import { startServer } from "../fixtures/server.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;

Deno.test("a page publishing H.264 and one publishing VP8 see each other", TEST_OPTIONS, async () => {
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const alice = await openMeetingPage(browser, server.url, "alice", "h264");
    const bob = await openMeetingPage(browser, server.url, "bob", "h264");
    await alice.page.getByLabel("Video codec").selectOption("h264");
    const aliceId = await join(alice.page);
    // The CLI recorder reads the wire codec, and cannot put H.264 in WebM: its refusal proves H.264.
    const receive = await runCli([
      ...["receive", "--url", server.url, "--meeting-id", "h264", "--out", "/dev/null"],
      ...["--seconds", "1", "--wait-seconds", "15"],
    ]);
    strictEqual(receive.code, 1, receive.stderr);
    ok(receive.stderr.includes('"alice" publishes H.264'), receive.stderr);
    const bobId = await join(bob.page);

    const [aliceFrames, bobFrames] = await Promise.all([
      waitForVideo(bob.page, aliceId),
      waitForVideo(alice.page, bobId),
    ]);
    const errors = [...alice.errors, ...bob.errors];
    ok(!errors.some((error) => /encod|decod/i.test(error)), errors.join("\n"));
    ok(aliceFrames > 0 && bobFrames > 0);
  } finally {
    await browser.close();
    await server.stop();
  }
});
