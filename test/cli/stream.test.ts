/**
 * `videocall stream --test-pattern` into a meeting: a headless Chromium participant decodes its
 * video and hears its tone, which the relay lists as a speaker (ffmpeg measures its level); Ctrl-C leaves the meeting cleanly (the page sees the participant go).
 */
import { ok, strictEqual } from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { startServer } from "../fixtures/server.ts";
import { startCli } from "./cli.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const MIN_VIDEO_FRAMES = 50;
/** As in test/e2e/call.test.ts: silence and codec noise stay below it, the 440 Hz tone far above. */
const AUDIBLE_RMS = 0.01;
const MEDIA_TIMEOUT_MS = 30_000;

async function sessionIdOf(page: Page, username: string): Promise<number> {
  const handle = await page.waitForFunction(
    (name) => {
      const entry = Object.entries(window.videocall.peers()).find(([, peer]) => peer.username === name);
      return entry ? Number(entry[0]) : false;
    },
    username,
    { timeout: MEDIA_TIMEOUT_MS, polling: 100 },
  );
  return (await handle.jsonValue()) as number;
}

Deno.test(
  "a browser sees and hears `videocall stream --test-pattern`, and sees it leave after Ctrl-C",
  TEST_OPTIONS,
  async () => {
    // Deno's WebTransport client sends no FIN on close (denoland/deno#36822), so the relay may only
    // notice a WebTransport leave when heartbeats stop: a short heartbeat timeout keeps the test fast.
    const server = await startServer({ heartbeatTimeoutMs: 4000 });
    let browser: Browser | undefined;
    const cli = startCli([
      ...["stream", "--url", server.url, "--meeting-id", "cli-demo", "--user-id", "pi-camera"],
      ...["--test-pattern", "--resolution", "640x360", "--transport", "webtransport"],
    ]);
    try {
      await cli.waitForLog("streaming a test pattern", 20_000);
      ok(cli.log().includes("over webtransport"), cli.log());
      browser = await launchBrowser();
      const viewer = await openMeetingPage(browser, server.url, "viewer", "cli-demo");
      await join(viewer.page);
      const cliId = await sessionIdOf(viewer.page, "pi-camera");

      const frames = await viewer.page
        .waitForFunction(
          ([id, min]) => {
            const decoded = window.videocall.peers()[id]?.videoFramesDecoded ?? 0;
            return decoded > min ? decoded : false;
          },
          [cliId, MIN_VIDEO_FRAMES] as const,
          { timeout: MEDIA_TIMEOUT_MS, polling: 250 },
        )
        .then((h) => h.jsonValue());
      ok((frames as number) > MIN_VIDEO_FRAMES);
      const rms = await viewer.page
        .waitForFunction(
          ([id, threshold]) => {
            const value = window.videocall.peers()[id]?.audioRms ?? 0;
            return value > threshold ? value : false;
          },
          [cliId, AUDIBLE_RMS] as const,
          { timeout: MEDIA_TIMEOUT_MS, polling: 100 },
        )
        .then((h) => h.jsonValue());
      ok((rms as number) > AUDIBLE_RMS, `rms ${rms}`);
      // ffmpeg measured the tone's level (about -21 dBov): the relay counts the CLI as a speaker.
      await viewer.page.waitForFunction(
        (id) => window.videocall.speakers().speakers.some((speaker) => speaker.sessionId === id),
        cliId,
        { timeout: 10_000 },
      );

      const result = await cli.interrupt();
      strictEqual(result.code, 0, result.stderr);
      ok(result.stderr.includes("left the meeting"), result.stderr);
      await viewer.page.waitForFunction((id) => !(id in window.videocall.peers()), cliId, {
        timeout: 10_000,
      });
    } finally {
      await cli.interrupt();
      await browser?.close();
      await server.stop();
    }
  },
);

Deno.test(
  "a browser decodes `videocall stream --test-pattern --codec h264` (Annex-B from libx264)",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    let browser: Browser | undefined;
    const cli = startCli([
      ...["stream", "--url", server.url, "--meeting-id", "cli-h264", "--user-id", "h264-camera"],
      ...["--test-pattern", "--no-audio", "--codec", "h264", "--resolution", "640x360"],
      ...["--transport", "websocket"],
    ]);
    try {
      await cli.waitForLog("streaming a test pattern (h264 640x360@30", 20_000);
      browser = await launchBrowser();
      const viewer = await openMeetingPage(browser, server.url, "viewer", "cli-h264");
      await join(viewer.page);
      const cliId = await sessionIdOf(viewer.page, "h264-camera");
      const decoded = await viewer.page
        .waitForFunction(
          ([id, min]) => {
            const peer = window.videocall.peers()[id];
            return (peer?.videoFramesDecoded ?? 0) > min ? peer : false;
          },
          [cliId, MIN_VIDEO_FRAMES] as const,
          { timeout: MEDIA_TIMEOUT_MS, polling: 250 },
        )
        .then((h) => h.jsonValue());
      ok(decoded && decoded.videoFramesDecoded > MIN_VIDEO_FRAMES, JSON.stringify(decoded));
      ok(!viewer.errors.some((e) => /decode|decoder/i.test(e)), viewer.errors.join("\n"));

      const result = await cli.interrupt();
      strictEqual(result.code, 0, result.stderr);
      ok(/sent [1-9]\d* video frames/.test(result.stderr), result.stderr);
    } finally {
      await cli.interrupt();
      await browser?.close();
      await server.stop();
    }
  },
);
