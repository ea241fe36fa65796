/**
 * End-to-end (issue 13 item 1) in Firefox, whose camera frames come from a `<video>` (no track
 * processor): its uplink goes through the impairment proxy over WebSocket. Capped to 300 kbit/s,
 * its camera must step down within 5 s for the network, a Chromium page joined directly must keep
 * decoding its video through the step down, and when the cap lifts the camera must come back to
 * full quality within 15 s, still decoded at the other end.
 */
import { ok } from "node:assert/strict";
import { joinMeeting, type MeetingSession } from "@videocall/client";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../fixtures/browser.ts";
import {
  type CallPage,
  joinCall,
  openChromiumCallPage,
  peersOf,
  waitForVideoFrom,
} from "../fixtures/call-page.ts";
import {
  type FirefoxBrowser,
  firefoxInstalled,
  launchFirefox,
  openFirefoxCallPage,
} from "../fixtures/firefox.ts";
import { startImpairedServer } from "../fixtures/impaired-server.ts";
import { subscribeToTopLayer, waitForAdaptation } from "../fixtures/send-adaptation.ts";

const TEST_OPTIONS = {
  sanitizeOps: false,
  sanitizeResources: false,
  ignore: !(await firefoxInstalled()),
} as const;
const STEP_DOWN_WITHIN_MS = 5_000;
const STEP_UP_WITHIN_MS = 15_000;

async function adaptationOf(page: CallPage) {
  return await page.evaluate(() => window.videocall.local().cameraAdaptation, 0);
}

async function framesDecodedFrom(page: CallPage, sessionId: number): Promise<number> {
  return (await peersOf(page))[sessionId]?.videoFramesDecoded ?? 0;
}

Deno.test(
  "a Firefox camera behind a 300 kbit/s uplink steps down for the network, stays decoded at the other end, and steps back up",
  TEST_OPTIONS,
  async () => {
    const impaired = await startImpairedServer();
    let firefox: FirefoxBrowser | undefined;
    let chromium: Browser | undefined;
    let topLayerWatcher: MeetingSession | undefined;
    try {
      [firefox, chromium] = await Promise.all([launchFirefox(), launchBrowser()]);
      const meeting = "adapt-firefox";
      // The Firefox page joins through the proxy; the Chromium watcher joins the relay directly
      // (WebSocket: WebTransport would take the proxy's advertised UDP port).
      const sender = await openFirefoxCallPage(firefox, impaired.url, "sender", meeting, {
        transport: "websocket",
      });
      const watcher = await openChromiumCallPage(chromium, impaired.server.url, "watcher", meeting, {
        transport: "websocket",
      });
      const senderId = await joinCall(sender, 30_000);
      await joinCall(watcher, 30_000);
      await waitForVideoFrom(watcher, senderId);
      // The page shows a small tile (the bottom layer); a session that asks for the top layer makes
      // the camera send more than the cap carries.
      topLayerWatcher = await joinMeeting({
        serverUrl: impaired.server.url,
        username: "top-layer",
        meetingId: meeting,
        transport: "websocket",
        reconnect: false,
      });
      await subscribeToTopLayer(topLayerWatcher, senderId);
      // A loaded machine can make the round trip spike at the start: full quality first.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await waitForAdaptation(
        () => adaptationOf(sender),
        "full quality on a clean link",
        20_000,
        (a) => a.level === 0,
      );
      const up = impaired.proxy.counters().up;
      ok(up.bytesIn > 50_000, `the page's uplink goes through the proxy: ${JSON.stringify(up)}`);

      const layers = await sender.evaluate(() => window.videocall.local().cameraLayers, 0);
      const bytesBefore = impaired.proxy.counters().up.bytesIn;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const uplinkKbps = ((impaired.proxy.counters().up.bytesIn - bytesBefore) * 8) / 2_000;
      console.log(`firefox: uplink ${uplinkKbps.toFixed(0)} kbit/s, layers ${JSON.stringify(layers)}`);
      impaired.proxy.setProfile("cap-300k");
      const down = await waitForAdaptation(
        () => adaptationOf(sender),
        "stepping down under the cap",
        STEP_DOWN_WITHIN_MS,
        (a) => a.level >= 1 && a.limitation === "network",
      );
      console.log(`firefox: stepped down after ${down.afterMs} ms: ${JSON.stringify(down.adaptation)}`);
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      // The regression this guards: the other end stopped decoding Firefox's video once it stepped down.
      const decodedUnderCap = await framesDecodedFrom(watcher, senderId);
      await waitForVideoFrom(watcher, senderId, decodedUnderCap + 10);

      impaired.proxy.setProfile("clean");
      const stepUp = await waitForAdaptation(
        () => adaptationOf(sender),
        "back at full quality after the cap lifts",
        STEP_UP_WITHIN_MS,
        (a) => a.upgrades > 0 && a.level === 0 && a.limitation === "none",
      );
      console.log(`firefox: stepped up after ${stepUp.afterMs} ms: ${JSON.stringify(stepUp.adaptation)}`);
      const decodedAfter = await framesDecodedFrom(watcher, senderId);
      await waitForVideoFrom(watcher, senderId, decodedAfter + 20);
      ok(
        sender.errors.length === 0 && watcher.errors.length === 0,
        [...sender.errors, ...watcher.errors].join("\n"),
      );
    } finally {
      await topLayerWatcher?.leave().catch(() => {});
      await chromium?.close().catch(() => {});
      await firefox?.close().catch(() => {});
      await impaired.stop();
    }
  },
);
