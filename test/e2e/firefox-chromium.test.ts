/**
 * A mixed call: one Firefox page (puppeteer-core, `<video>` + AudioWorklet capture) and one
 * Chromium page (playwright-core, MediaStreamTrackProcessor capture) in the same meeting, over
 * WebTransport, each seeing and hearing the other. Needs `npm run build:web` first.
 */
import { ok } from "node:assert/strict";
import {
  joinCall,
  openChromiumCallPage,
  peersOf,
  waitForAudioFrom,
  waitForVideoFrom,
} from "../fixtures/call-page.ts";
import { withEngineCall } from "../fixtures/engine-call.ts";
import { firefoxInstalled, openFirefoxCallPage } from "../fixtures/firefox.ts";
import { AUDIBLE_RMS, MIN_VIDEO_FRAMES } from "../fixtures/media-expectations.ts";

const TEST_OPTIONS = {
  sanitizeOps: false,
  sanitizeResources: false,
  ignore: !(await firefoxInstalled()),
} as const;

Deno.test("firefox and chromium in one call see and hear each other", TEST_OPTIONS, async () => {
  await withEngineCall(async (call) => {
    const [fox, chromium] = await Promise.all([call.firefox(), call.chromium()]);
    const alice = await openFirefoxCallPage(fox, call.server.url, "alice-firefox", "mixed");
    const bob = await openChromiumCallPage(chromium, call.server.url, "bob-chromium", "mixed");
    const aliceId = await joinCall(alice);
    const bobId = await joinCall(bob);

    const [chromiumFrames, firefoxFrames] = await Promise.all([
      waitForVideoFrom(alice, bobId),
      waitForVideoFrom(bob, aliceId),
    ]);
    ok(chromiumFrames > MIN_VIDEO_FRAMES && firefoxFrames > MIN_VIDEO_FRAMES);
    const [chromiumRms, firefoxRms] = await Promise.all([
      waitForAudioFrom(alice, bobId),
      waitForAudioFrom(bob, aliceId),
    ]);
    ok(chromiumRms > AUDIBLE_RMS && firefoxRms > AUDIBLE_RMS);

    const [atFirefox, atChromium] = [(await peersOf(alice))[bobId], (await peersOf(bob))[aliceId]];
    ok(atFirefox?.username === "bob-chromium" && atFirefox.hasTile, "firefox shows chromium's tile");
    ok(atChromium?.username === "alice-firefox" && atChromium.hasTile, "chromium shows firefox's tile");
    // Count over 3 s on both sides at once: the decode rate each engine gets from the other.
    const counts = async () => [
      (await peersOf(alice))[bobId]?.videoFramesDecoded ?? 0,
      (await peersOf(bob))[aliceId]?.videoFramesDecoded ?? 0,
    ];
    const before = await counts();
    const startedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const after = await counts();
    const seconds = (performance.now() - startedAt) / 1000;
    const fps = after.map((count, i) => Math.round(((count - (before[i] ?? 0)) / seconds) * 10) / 10);
    ok((fps[0] ?? 0) > 0 && (fps[1] ?? 0) > 0, `video keeps flowing both ways: ${fps}`);
    console.log(
      `    ${JSON.stringify({
        chromiumToFirefoxFps: fps[0],
        firefoxToChromiumFps: fps[1],
        transports: [
          await alice.evaluate(() => window.videocall.transport, 0),
          await bob.evaluate(() => window.videocall.transport, 0),
        ],
      })}`,
    );
    ok(alice.errors.length === 0, alice.errors.join("\n"));
  });
});
