/**
 * End-to-end: the frame-transform seam is on the media path (issue 9 item 2). Alice and Bob's
 * pages are configured (`window.videocallConfig.frameTransform`, set before the app loads) with a
 * test transform that XORs every payload byte with a byte per track, asynchronously, in the
 * encoder and decoder workers (video) and beside the Opus codec (audio). They still see and hear
 * each other; Eve, in the same meeting without the transform, decodes none of their video.
 */
import { ok } from "node:assert/strict";
import type { Browser, BrowserContext } from "playwright-core";
import type {} from "../../packages/web/src/call/embedding-config.ts";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { MIN_VIDEO_FRAMES, waitForAudio, waitForVideo } from "../fixtures/media-expectations.ts";
import { startServer } from "../fixtures/server.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const TEST_TIMEOUT_MS = 150_000;
const MEETING = "transformed";
const TRANSFORM_SOURCE = await Deno.readTextFile(
  new URL("../fixtures/xor-frame-transform.js", import.meta.url),
);

/** Configures the page's frame transform before the app's script runs, as an embedding site would. */
async function withXorTransform(context: BrowserContext): Promise<void> {
  await context.addInitScript((source) => {
    const moduleUrl = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    window.videocallConfig = { frameTransform: { moduleUrl, options: { key: 0x5a } } };
  }, TRANSFORM_SOURCE);
}

Deno.test(
  "a non-identity frame transform on both sides keeps the call working; a page without it decodes nothing",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    const browsers: Browser[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`timed out after ${TEST_TIMEOUT_MS} ms`)),
            TEST_TIMEOUT_MS,
          );
        }),
        (async () => {
          // Alice and Bob in browsers of their own (one browser's echo canceller would hear the
          // other's tone); Eve only watches, with no devices.
          for (const fakeDevices of [true, true, false]) browsers.push(await launchBrowser({ fakeDevices }));
          const alice = await openMeetingPage(browsers[0]!, server.url, "alice", MEETING, {
            beforeLoad: withXorTransform,
          });
          const bob = await openMeetingPage(browsers[1]!, server.url, "bob", MEETING, {
            beforeLoad: withXorTransform,
          });
          const eve = await openMeetingPage(browsers[2]!, server.url, "eve", MEETING);
          const aliceId = await join(alice.page);
          const bobId = await join(bob.page);
          await join(eve.page);

          const bobSawAlice = await waitForVideo(bob.page, aliceId);
          const aliceSawBob = await waitForVideo(alice.page, bobId);
          const bobHeardAlice = await waitForAudio(bob.page, aliceId);
          const aliceHeardBob = await waitForAudio(alice.page, bobId);

          const eveSees = await eve.page.evaluate(
            ([a, b]) => [window.videocall.peers()[a], window.videocall.peers()[b]],
            [aliceId, bobId] as const,
          );
          const bobSees = await bob.page.evaluate((id) => window.videocall.peers()[id], aliceId);
          console.log(
            JSON.stringify({ bobSawAlice, aliceSawBob, bobHeardAlice, aliceHeardBob, bobSees, eveSees }),
          );
          ok(bobSawAlice > MIN_VIDEO_FRAMES && aliceSawBob > MIN_VIDEO_FRAMES, "they see each other");
          ok(
            bobSees?.videoTracks.every((track) => track.transformErrors === 0),
            "the transform refused none of alice's frames at bob's",
          );
          for (const [name, seen] of [
            ["alice", eveSees[0]],
            ["bob", eveSees[1]],
          ] as const) {
            ok(seen !== undefined, `eve is in the call with ${name}`);
            ok(seen.videoFramesDecoded === 0, `eve decoded ${seen.videoFramesDecoded} of ${name}'s frames`);
            ok(
              seen.videoTracks.some((track) => track.decoderErrors > 0),
              `eve's decoder failed on ${name}'s transformed frames: ${JSON.stringify(seen.videoTracks)}`,
            );
          }
          // Transformed Opus mostly fails to decode too (an odd random packet parses as Opus).
          ok(
            (eveSees[0]?.audioFramesDecoded ?? 0) < 0.5 * (bobSees?.audioFramesDecoded ?? 0),
            "eve decodes far less of alice's audio than bob",
          );
          const pageErrors = [...alice.errors, ...bob.errors, ...eve.errors].filter((e) =>
            e.startsWith("pageerror"),
          );
          ok(pageErrors.length === 0, pageErrors.join("\n"));
        })(),
      ]);
    } finally {
      clearTimeout(timer);
      await Promise.race([
        Promise.allSettled(browsers.map((browser) => browser.close())),
        new Promise((resolve) => setTimeout(resolve, 10_000)),
      ]);
      await server.stop();
    }
  },
);
