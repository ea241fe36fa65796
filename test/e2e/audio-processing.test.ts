/**
 * End-to-end: the microphone's processing toggles change the live track in Chromium, and a muted
 * user who makes sound (Chromium's fake microphone beeps) sees the "you are muted" hint. A real
 * relay in this process and the built web app (`npm run build:web` first).
 */
import { strictEqual } from "node:assert/strict";
import type { BrowserContext } from "playwright-core";
import { en } from "../../packages/web/src/i18n/messages.en.ts";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { startServer } from "../fixtures/server.ts";

/** Keeps every microphone track the page opens, so the test reads what the browser really applied. */
async function recordMicrophoneTracks(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const devices = navigator.mediaDevices;
    const original = devices.getUserMedia.bind(devices);
    const tracks: MediaStreamTrack[] = [];
    (globalThis as unknown as { microphoneTracks: MediaStreamTrack[] }).microphoneTracks = tracks;
    devices.getUserMedia = async (constraints?: MediaStreamConstraints) => {
      const stream = await original(constraints);
      tracks.push(...stream.getAudioTracks());
      return stream;
    };
  });
}

Deno.test({
  name: "audio processing toggles reach the live microphone track, and a muted user who makes sound is told",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      const { page, errors } = await openMeetingPage(browser, server.url, "nora", "audio-processing", {
        beforeLoad: recordMicrophoneTracks,
      });
      await join(page);
      const liveSetting = (key: "noiseSuppression" | "echoCancellation" | "autoGainControl") =>
        page.evaluate((name) => {
          const tracks = (globalThis as unknown as { microphoneTracks: MediaStreamTrack[] }).microphoneTracks;
          const live = tracks.filter((track) => track.readyState === "live").at(-1);
          return live?.getSettings()[name];
        }, key);
      strictEqual(await liveSetting("noiseSuppression"), true, "on by default");

      await page.getByLabel(en["audio.noiseSuppression"]).uncheck();
      await page.waitForFunction(
        () => {
          const tracks = (globalThis as unknown as { microphoneTracks: MediaStreamTrack[] }).microphoneTracks;
          return (
            tracks
              .filter((track) => track.readyState === "live")
              .at(-1)
              ?.getSettings().noiseSuppression === false
          );
        },
        null,
        { timeout: 10_000 },
      );
      strictEqual(await liveSetting("echoCancellation"), true, "the other toggles stay as they were");
      strictEqual(await liveSetting("autoGainControl"), true);

      strictEqual(await page.locator(".muted-speaking-hint").count(), 0, "no hint while unmuted");
      await page.getByRole("button", { name: en["toolbar.mute"], exact: true }).click();
      await page.locator(".muted-speaking-hint").waitFor({ state: "visible", timeout: 15_000 });
      strictEqual(await page.locator(".muted-speaking-hint").textContent(), en["audio.mutedSpeaking"]);
      await page.getByRole("button", { name: en["toolbar.unmute"], exact: true }).click();
      await page.locator(".muted-speaking-hint").waitFor({ state: "detached", timeout: 5000 });
      strictEqual(errors.filter((e) => e.startsWith("pageerror")).length, 0, errors.join("\n"));
    } finally {
      await browser.close();
      await server.stop();
    }
  },
});
