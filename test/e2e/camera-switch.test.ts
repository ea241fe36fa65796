/**
 * End-to-end: switching cameras in a call. The publisher has two fake cameras and picks the other
 * one in the device picker (and back again); after each switch the other page must go on decoding
 * and drawing the publisher's video within a few seconds, and no encoder error may appear. The
 * hot-plug fallback (the camera in use unplugged) is checked the same way in everyday-polish.test.ts.
 * Real server, headless Chromium (`npm run build:web` first).
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Browser } from "playwright-core";
import { join, launchBrowser, type MeetingPage, openMeetingPage } from "../fixtures/browser.ts";
import {
  tileKeepsDrawing,
  VIDEO_AFTER_SWITCH_FRAMES,
  VIDEO_AFTER_SWITCH_TIMEOUT_MS,
  videoFramesByTrack,
  waitForVideo,
  waitForVideoSince,
} from "../fixtures/media-expectations.ts";
import { startServer } from "../fixtures/server.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const TEST_TIMEOUT_MS = 120_000;

/** What the camera picker offers, and the camera it shows as in use. */
async function cameraChoices(page: MeetingPage["page"]): Promise<{ cameras: string[]; inUse: string }> {
  const picker = page.getByRole("combobox", { name: "Camera", exact: true });
  const cameras = await picker
    .locator("option")
    .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
  return { cameras, inUse: await picker.inputValue() };
}

/** What the publisher sends and says, to explain a failure. */
async function publisherState({ page, errors }: MeetingPage): Promise<string> {
  const state = await page.evaluate(() => ({
    local: window.videocall.local(),
    warnings: window.videocall.mediaWarnings,
  }));
  return JSON.stringify({ ...state, errors });
}

Deno.test(
  "switching the camera in the picker: the other page keeps decoding and drawing, no encoder error",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    let browser: Browser | undefined;
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
          browser = await launchBrowser({ cameraCount: 2 });
          const publisher = await openMeetingPage(browser, server.url, "salma", "camera-switch");
          const viewer = await openMeetingPage(browser, server.url, "omar", "camera-switch");
          const publisherId = await join(publisher.page);
          await join(viewer.page);
          await waitForVideo(viewer.page, publisherId);

          const { cameras, inUse } = await cameraChoices(publisher.page);
          strictEqual(cameras.length, 2, `two fake cameras: ${cameras}`);
          const other = cameras.find((camera) => camera !== inUse);
          ok(other, `a camera other than ${inUse}`);
          const picker = publisher.page.getByRole("combobox", { name: "Camera", exact: true });

          // There and back: each switch republishes the camera, and video must go on after each.
          for (const camera of [other, inUse]) {
            const since = await videoFramesByTrack(viewer.page, publisherId);
            const startedAtMs = Date.now();
            await picker.selectOption(camera);
            const decoded = await waitForVideoSince(
              viewer.page,
              publisherId,
              since,
              VIDEO_AFTER_SWITCH_FRAMES,
              VIDEO_AFTER_SWITCH_TIMEOUT_MS,
            ).catch(async (error) => {
              throw new Error(`after switching to ${camera}: publisher ${await publisherState(publisher)}`, {
                cause: error,
              });
            });
            console.log(
              `switched to camera ${camera.slice(0, 8)}: ${decoded} frames in ${Date.now() - startedAtMs} ms`,
            );
            strictEqual(await picker.inputValue(), camera);
            await tileKeepsDrawing(viewer.page, publisherId);
          }

          deepStrictEqual(await publisher.page.evaluate(() => window.videocall.mediaWarnings), []);
          const tracks = (await viewer.page.evaluate(() => window.videocall.peers()))[publisherId]
            ?.videoTracks;
          ok(
            tracks?.every((track) => track.decoderErrors === 0),
            `no decoder errors: ${JSON.stringify(tracks)}`,
          );
          ok(
            publisher.errors.every((error) => !/encod/i.test(error)),
            `no encoder errors: ${publisher.errors.join("\n")}`,
          );
        })(),
      ]);
    } finally {
      clearTimeout(timer);
      await browser?.close();
      await server.stop();
    }
  },
);
