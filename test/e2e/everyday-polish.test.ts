/**
 * End-to-end: copy the meeting link (Clipboard API, a toast, the link leads a second person into
 * the meeting), and device hot-plug (the camera in use disappears: the pickers refresh, the page
 * falls back to the other camera and the other person keeps seeing video). Real server, headless
 * Chromium with two fake cameras.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { ar } from "../../packages/web/src/i18n/messages.ar.ts";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
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

/** Two fake cameras, so there is one to fall back to. */
async function launchWithTwoCameras() {
  return await launchBrowser({ cameraCount: 2 });
}

Deno.test(
  "Copy link puts an invite on the clipboard, says so, and the invite leads into the meeting",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    const browser = await launchWithTwoCameras();
    try {
      const host = await openMeetingPage(browser, server.url, "salma", "invite-me", {
        lang: "ar",
        beforeLoad: (context) =>
          context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url }),
      });
      await host.page.getByRole("button", { name: ar["link.copy"] }).click();
      await host.page.getByRole("status").filter({ hasText: ar["link.copied"] }).waitFor();
      const link = await host.page.evaluate(() => navigator.clipboard.readText());
      strictEqual(link, `${server.url}/?meeting=invite-me`);

      // The invited person picks their own name; the meeting id is already there.
      const guest = await (await browser.newContext()).newPage();
      await guest.goto(`${link}&lang=en`);
      strictEqual(await guest.getByLabel("Meeting id").inputValue(), "invite-me");
      await guest.getByLabel("Your name").fill("omar");
      await guest.getByRole("button", { name: "Continue" }).click();
      await guest.waitForURL(`${server.url}/meeting/omar/invite-me`);
      await guest.waitForFunction(() => window.videocall?.state === "preview");

      // The toast goes away by itself.
      await host.page
        .getByRole("status")
        .filter({ hasText: ar["link.copied"] })
        .waitFor({ state: "detached", timeout: 10_000 });
    } finally {
      await browser.close();
      await server.stop();
    }
  },
);

Deno.test(
  "the camera in use unplugged: the pickers refresh and the call falls back to the other camera",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    const browser = await launchWithTwoCameras();
    try {
      const { page } = await openMeetingPage(browser, server.url, "salma", "hotplug");
      const viewer = await openMeetingPage(browser, server.url, "omar", "hotplug");
      const publisherId = await join(page);
      await join(viewer.page);
      await waitForVideo(viewer.page, publisherId);
      const cameraPicker = page.getByRole("combobox", { name: "Camera", exact: true });
      const cameras = await cameraPicker
        .locator("option")
        .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
      strictEqual(cameras.length, 2, `two fake cameras: ${cameras}`);
      const inUse = await cameraPicker.inputValue();
      ok(cameras.includes(inUse), inUse);

      const since = await videoFramesByTrack(viewer.page, publisherId);
      // Unplug it: the browser stops listing it and fires devicechange (the fake devices cannot be unplugged).
      await page.evaluate((gone) => {
        const devices = navigator.mediaDevices;
        const enumerate = devices.enumerateDevices.bind(devices);
        devices.enumerateDevices = async () =>
          (await enumerate()).filter((device) => device.deviceId !== gone);
        devices.dispatchEvent(new Event("devicechange"));
      }, inUse);

      await page.waitForFunction(
        (gone) => {
          const select = document.querySelector<HTMLSelectElement>("select[aria-label='Camera']");
          return select && select.options.length === 1 && select.value !== gone && select.value !== "";
        },
        inUse,
        { timeout: 15_000 },
      );
      const other = cameras.find((camera) => camera !== inUse);
      strictEqual(await cameraPicker.inputValue(), other);
      await page.locator(".warning", { hasText: "was disconnected. Now using" }).waitFor();
      // The other person sees the fallback camera: frames decoded and drawn, no encoder error.
      await waitForVideoSince(
        viewer.page,
        publisherId,
        since,
        VIDEO_AFTER_SWITCH_FRAMES,
        VIDEO_AFTER_SWITCH_TIMEOUT_MS,
      );
      await tileKeepsDrawing(viewer.page, publisherId);
      const warnings = await page.evaluate(() => window.videocall.mediaWarnings);
      ok(
        warnings.every((warning) => !/encod/i.test(warning)),
        `no encoder error: ${warnings.join("; ")}`,
      );
      // The camera still listed is left alone by a second devicechange.
      await page.evaluate(() => navigator.mediaDevices.dispatchEvent(new Event("devicechange")));
      await page.waitForTimeout(1000);
      strictEqual(await cameraPicker.inputValue(), other);
      deepStrictEqual(await page.evaluate(() => window.videocall.state), "joined");
    } finally {
      await browser.close();
      await server.stop();
    }
  },
);
