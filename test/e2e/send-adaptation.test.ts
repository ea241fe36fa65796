/**
 * End-to-end (issue 13 item 7): a Chromium page's uplink goes through the impairment proxy. Capped
 * to 300 kbit/s, its camera must step down (bitrate, frame rate, top layer) within 5 s, for the
 * network, while a watcher behind a clean link keeps receiving its video; when the cap lifts, it
 * must step back up within 15 s. Over WebSocket (the proxy's TCP side) and WebTransport (its UDP side).
 */
import { ok } from "node:assert/strict";
import { joinMeeting, MediaKind, type MeetingSession } from "@videocall/client";
import type { Browser, Page } from "playwright-core";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { startImpairedServer } from "../fixtures/impaired-server.ts";
import { subscribeToTopLayer, waitForAdaptation } from "../fixtures/send-adaptation.ts";
import { waitFor } from "../fixtures/wait.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const STEP_DOWN_WITHIN_MS = 5_000;
const STEP_UP_WITHIN_MS = 15_000;

async function adaptationOf(page: Page) {
  return await page.evaluate(() => window.videocall.local().cameraAdaptation);
}

for (const transport of ["websocket", "webtransport"] as const) {
  Deno.test(
    `a camera behind a 300 kbit/s uplink steps down within 5 s for the network and back up within 15 s after (${transport})`,
    TEST_OPTIONS,
    async () => {
      const impaired = await startImpairedServer();
      let browser: Browser | undefined;
      let watcher: MeetingSession | undefined;
      try {
        browser = await launchBrowser();
        const meeting = `adapt-${transport}`;
        // The page loads and joins through the proxy; the watcher joins the relay directly.
        const sender = await openMeetingPage(browser, impaired.url, "sender", meeting, { transport });
        const senderId = await join(sender.page, 30_000);
        watcher = await joinMeeting({
          serverUrl: impaired.server.url,
          username: "watcher",
          meetingId: meeting,
          transport: "websocket",
          reconnect: false,
        });
        let videoFrames = 0;
        watcher.events.on("media", (from, media) => {
          if (from === senderId && media.kind === MediaKind.VIDEO) videoFrames++;
        });
        // A subscription at the top layer's size, so the camera sends more than the cap will carry.
        await subscribeToTopLayer(watcher, senderId);
        await waitFor("the watcher receiving the camera", () => videoFrames > 60, 30_000);
        // A loaded machine can make the round trip spike at the start (a step down for the network):
        // on a clean link it must come back to full quality before the cap is set.
        await waitForAdaptation(
          () => adaptationOf(sender.page),
          "full quality on a clean link",
          20_000,
          (a) => a.level === 0,
        );
        // The sender's media crossed the proxy (the up direction carries the page's packets).
        const up = impaired.proxy.counters().up;
        ok(up.bytesIn > 50_000, `the page's uplink goes through the proxy: ${JSON.stringify(up)}`);

        impaired.proxy.setProfile("cap-300k");
        const down = await waitForAdaptation(
          () => adaptationOf(sender.page),
          "stepping down under the cap",
          STEP_DOWN_WITHIN_MS,
          (a) => a.level >= 1 && a.limitation === "network",
        );
        console.log(
          `${transport}: stepped down after ${down.afterMs} ms: ${JSON.stringify(down.adaptation)}`,
        );
        // Let it settle, and check the watcher still gets video through the capped uplink.
        await new Promise((resolve) => setTimeout(resolve, 4_000));
        const deepest = await adaptationOf(sender.page);
        ok(deepest && deepest.bitrateScale < 1, `bitrate lowered: ${JSON.stringify(deepest)}`);
        // The diagnostics panel says why the picture got worse.
        await sender.page.waitForSelector('.diagnostics [data-send-limitation="network"]', {
          timeout: 5_000,
        });
        const framesBefore = videoFrames;
        await waitFor("video still arriving under the cap", () => videoFrames > framesBefore + 5, 10_000);

        impaired.proxy.setProfile("clean");
        const stepUp = await waitForAdaptation(
          () => adaptationOf(sender.page),
          "back at full quality after the cap lifts",
          STEP_UP_WITHIN_MS,
          (a) => a.upgrades > 0 && a.level === 0 && a.limitation === "none",
        );
        console.log(
          `${transport}: stepped up after ${stepUp.afterMs} ms: ${JSON.stringify(stepUp.adaptation)}`,
        );
      } finally {
        await watcher?.leave().catch(() => {});
        await browser?.close().catch(() => {});
        await impaired.stop();
      }
    },
  );
}
