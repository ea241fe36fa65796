/**
 * A full mixed call without Chromium: a Firefox page (puppeteer-core, test/fixtures/firefox.ts)
 * and a WebKit page (MiniBrowser under Xvfb, test/fixtures/webkit.ts) in one meeting. Neither has
 * MediaStreamTrackProcessor: both capture through `<video>` + VideoFrame and an AudioWorklet.
 * WebKit has no WebTransport and joins over WebSocket; Firefox picks its transport itself (auto).
 * WebKit decodes only VP8, so codec negotiation keeps Firefox on VP8. Each side decodes and draws
 * the other's video and hears its audio; Firefox mutes (WebKit's playout of it falls silent), turns
 * its camera off (WebKit shows the placeholder) and leaves (its tile goes). Needs `npm run build:web`.
 */
import { ok } from "node:assert/strict";
import { measuredFps, waitUntilStill } from "../fixtures/call-measures.ts";
import {
  type CallPage,
  clickButton,
  joinCall,
  peersOf,
  waitForAudioFrom,
  waitForVideoFrom,
  waitInPage,
} from "../fixtures/call-page.ts";
import { withEngineCall } from "../fixtures/engine-call.ts";
import { firefoxInstalled, openFirefoxCallPage } from "../fixtures/firefox.ts";
import { AUDIBLE_RMS, MIN_VIDEO_FRAMES } from "../fixtures/media-expectations.ts";
import { launchWebKit, openWebKitCallPage, type WebKitBrowser, webkitAvailable } from "../fixtures/webkit.ts";

const TEST_OPTIONS = {
  sanitizeOps: false,
  sanitizeResources: false,
  ignore: !webkitAvailable() || !(await firefoxInstalled()),
} as const;

Deno.test(
  "firefox and webkit in one call see and hear each other; firefox mutes, turns its camera off and leaves",
  TEST_OPTIONS,
  async () => {
    let webkit: WebKitBrowser | undefined;
    try {
      await withEngineCall(async (call) => {
        const fox = await call.firefox();
        webkit = await launchWebKit();
        const alice = await openFirefoxCallPage(fox, call.server.url, "alice-firefox", "two-engines");
        const bob = await openWebKitCallPage(webkit, call.server.url, "bob-webkit", "two-engines");
        const aliceId = await joinCall(alice, 40_000);
        const bobId = await joinCall(bob, 40_000);
        const transports = {
          firefox: await alice.evaluate(() => window.videocall.transport, 0),
          webkit: await bob.evaluate(() => window.videocall.transport, 0),
        };
        ok(transports.webkit === "websocket", `WebKit uses WebSocket: ${JSON.stringify(transports)}`);

        const [firefoxFrames, webkitFrames] = await Promise.all([
          waitForVideoFrom(bob, aliceId),
          waitForVideoFrom(alice, bobId),
        ]);
        ok(firefoxFrames > MIN_VIDEO_FRAMES && webkitFrames > MIN_VIDEO_FRAMES);
        const [atWebKit, atFirefox] = [(await peersOf(bob))[aliceId], (await peersOf(alice))[bobId]];
        ok(atWebKit?.username === "alice-firefox" && atWebKit.hasTile, "WebKit shows Firefox's tile");
        ok(atFirefox?.username === "bob-webkit" && atFirefox.hasTile, "Firefox shows WebKit's tile");
        for (const page of [alice, bob]) {
          const local = await page.evaluate(() => window.videocall.local(), 0);
          ok(
            (local.microphoneFramesSent ?? 0) > 0 && (local.cameraFramesEncoded ?? 0) > 0,
            `${page.engine} sends: ${JSON.stringify(local)}`,
          );
        }

        const [firefoxRms, webkitRms] = await Promise.all([
          waitForAudioFrom(bob, aliceId),
          waitForAudioFrom(alice, bobId),
        ]);
        ok(firefoxRms > AUDIBLE_RMS && webkitRms > AUDIBLE_RMS);
        const [firefoxToWebKitFps, webkitToFirefoxFps] = await Promise.all([
          measuredFps(bob, aliceId),
          measuredFps(alice, bobId),
        ]);
        ok(firefoxToWebKitFps > 0 && webkitToFirefoxFps > 0, "video keeps flowing both ways");
        // Decoder resets are reported, not asserted (see webkit-call.test.ts): on a loaded machine a
        // decoder now and then falls behind, resets and asks for a key frame.
        const decoderErrors = async (page: CallPage, id: number) =>
          (await peersOf(page))[id]?.videoTracks[0]?.decoderErrors ?? 0;
        console.log(
          `    ${JSON.stringify({
            firefoxToWebKitFps,
            webkitToFirefoxFps,
            transports,
            decoderResetsAtWebKit: await decoderErrors(bob, aliceId),
            decoderResetsAtFirefox: await decoderErrors(alice, bobId),
          })}`,
        );

        // Firefox mutes: WebKit's playout of it falls silent and its audio frames stop arriving.
        await clickButton(alice, "Mute");
        await waitInPage(
          bob,
          ([id, quiet]) => (window.videocall.peers()[id]?.audioRms ?? 1) < quiet,
          [aliceId, AUDIBLE_RMS / 10] as const,
          15_000,
        );
        await waitUntilStill(async () => (await peersOf(bob))[aliceId]?.audioFramesDecoded ?? 0, 2);
        // The mute is one-way: Firefox still hears WebKit.
        await waitForAudioFrom(alice, bobId);

        // Firefox turns its camera off: its frames stop and WebKit shows its placeholder.
        await clickButton(alice, "Camera off");
        await waitInPage(
          bob,
          () => document.querySelector(".tile.remote.camera-off") !== null,
          undefined,
          15_000,
        );
        await waitUntilStill(async () => (await peersOf(bob))[aliceId]?.videoFramesDecoded ?? 0, 2);

        await clickButton(alice, "Leave");
        await waitInPage(bob, () => document.querySelector(".tile.remote") === null, undefined, 15_000);
        ok((await alice.evaluate(() => window.videocall.state, 0)) === "left");
        ok(alice.errors.length === 0, alice.errors.join("\n"));
      });
    } catch (error) {
      console.log(webkit?.output().slice(-3000));
      throw error;
    } finally {
      await webkit?.close();
    }
  },
);
