/**
 * WebKit (Safari's engine) in a call with Chromium, as far as WebKitGTK 2.50 holds one today:
 * MiniBrowser (test/fixtures/webkit.ts) without capture devices joins over WebSocket (it has no
 * WebTransport), and decodes and draws the Chromium page's video, which codec negotiation turned
 * from the VP9 that page picked into VP8 (the one codec WebKitGTK decodes). WebKit publishing is in
 * webkit-call.test.ts. Needs `npm run build:web`.
 */
import { ok } from "node:assert/strict";
import {
  clickButton,
  joinCall,
  openChromiumCallPage,
  peersOf,
  waitForVideoFrom,
  waitInPage,
} from "../fixtures/call-page.ts";
import { withEngineCall } from "../fixtures/engine-call.ts";
import { MIN_VIDEO_FRAMES } from "../fixtures/media-expectations.ts";
import { launchWebKit, openWebKitCallPage, type WebKitBrowser } from "../fixtures/webkit.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;

Deno.test(
  "webkit joins a chromium page's call over WebSocket and draws its video, negotiated down to VP8",
  TEST_OPTIONS,
  async () => {
    let webkit: WebKitBrowser | undefined;
    try {
      await withEngineCall(async (call) => {
        const chromium = await call.chromium();
        webkit = await launchWebKit({ args: ["--enable-mock-capture-devices=false"] });
        const alice = await openChromiumCallPage(chromium, call.server.url, "alice-chromium", "mixed");
        await alice.evaluate(() => {
          const select = document.querySelector<HTMLSelectElement>('select[aria-label="Video codec"]')!;
          select.value = "vp9";
          select.dispatchEvent(new Event("change", { bubbles: true }));
        }, 0);
        const bob = await openWebKitCallPage(webkit, call.server.url, "bob-webkit", "mixed");
        const warnings = await bob.evaluate(() => window.videocall.mediaWarnings, 0);
        ok(
          warnings.some((warning) => /cannot decode .*VP9/.test(warning)),
          `WebKit says what it cannot decode: ${warnings}`,
        );
        const aliceId = await joinCall(alice);
        const bobId = await joinCall(bob, 40_000);
        ok(
          (await bob.evaluate(() => window.videocall.transport, 0)) === "websocket",
          "WebKit uses WebSocket",
        );
        await waitInPage(
          alice,
          (id) => window.videocall.control().participants.some((p) => p.sessionId === id),
          bobId,
          20_000,
        );

        const decoded = await waitForVideoFrom(bob, aliceId);
        ok(decoded > MIN_VIDEO_FRAMES);
        const atWebKit = (await peersOf(bob))[aliceId];
        ok(atWebKit?.hasTile, "WebKit shows the Chromium tile");
        ok((atWebKit.videoTracks[0]?.decoderErrors ?? 1) === 0, JSON.stringify(atWebKit));
        const before = atWebKit.videoFramesDecoded;
        const startedAt = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 3000));
        const after = (await peersOf(bob))[aliceId]?.videoFramesDecoded ?? 0;
        const fps = Math.round(((after - before) * 10_000) / (performance.now() - startedAt)) / 10;
        console.log(`    ${JSON.stringify({ chromiumToWebKitFps: fps })}`);
        ok(fps > 0, "video keeps flowing");

        await clickButton(bob, "Leave");
        await waitInPage(
          alice,
          (id) => !window.videocall.control().participants.some((p) => p.sessionId === id),
          bobId,
          15_000,
        );
        ok((await bob.evaluate(() => window.videocall.state, 0)) === "left");
      });
    } catch (error) {
      console.log(webkit?.output().slice(-2000));
      throw error;
    } finally {
      await webkit?.close();
    }
  },
);
