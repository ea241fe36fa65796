/**
 * End-to-end: screen share with audio (issue 14 items 1 and 8) between two Chromium pages through a
 * real relay and the built web app (`npm run build:web` first). The sharer's Chromium runs with fake
 * devices, so getDisplayMedia hands it a fake screen (a 1280×720 test pattern) with its fake audio
 * (headless Chromium captures a tab's video but its tab audio is silent, so a playing tab is no proof
 * here). The viewer must decode the screen as a second video, drawn large in the presenter layout,
 * and the screen audio as a second audio track; the browser's "Stop sharing" (the capture track
 * stopped and `ended`) must remove both on the other side and put the grid back.
 */
import { ok, strictEqual } from "node:assert/strict";
import { Grant, PARTICIPANT_GRANTS } from "@videocall/protocol";
import type { Page } from "playwright-core";
import { type ApiCredentials, mintRoomToken } from "../../packages/server/src/auth/room-token.ts";
import { en } from "../../packages/web/src/i18n/messages.en.ts";
import { join, launchBrowser, openMeetingPage, peers } from "../fixtures/browser.ts";
import { MEDIA_TIMEOUT_MS } from "../fixtures/media-expectations.ts";
import { startServer } from "../fixtures/server.ts";

const MEETING = "screen-share-e2e";
/** Frames the screen must decode on the viewer to count as showing. */
const MIN_SCREEN_FRAMES = 20;
/** Audio frames (20 ms each) the screen audio must decode: a second of it. */
const MIN_SCREEN_AUDIO_FRAMES = 50;
/** Played level that is sound, not silence or concealment noise (the fake audio beeps near 0.3). */
const AUDIBLE_RMS = 0.02;

Deno.test({
  name: "a shared screen is a second video drawn large with its own audio track on the other page; Stop sharing removes both",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      const sharer = await openMeetingPage(browser, server.url, "sam", MEETING, {
        // Keeps the capture stream reachable, so the test can end it as the browser's bar would.
        beforeLoad: async (context) => {
          await context.addInitScript(() => {
            const devices = navigator.mediaDevices;
            const original = devices.getDisplayMedia.bind(devices);
            devices.getDisplayMedia = async (options?: DisplayMediaStreamOptions) => {
              const stream = await original(options);
              (globalThis as { screenCapture?: MediaStream }).screenCapture = stream;
              return stream;
            };
          });
        },
      });
      const sharerSessionId = await join(sharer.page);
      const viewer = await openMeetingPage(browser, server.url, "vic", MEETING);
      await join(viewer.page);
      await viewer.page
        .locator(`.tile.remote[data-session-id="${sharerSessionId}"]`)
        .first()
        .waitFor({ state: "visible", timeout: 20_000 });

      // Before the share: one camera, one microphone, and no presenter layout.
      await waitForPeer(
        viewer.page,
        sharerSessionId,
        "the camera and microphone",
        (peer) =>
          peer.videoTracks.length === 1 &&
          peer.videoTracks[0]!.framesDecoded > 0 &&
          peer.audioTracks.length === 1,
      );
      const before = (await peers(viewer.page))[sharerSessionId]!;
      const cameraTrackId = before.videoTracks[0]!.trackId;
      const microphoneTrackId = before.audioTracks[0]!.trackId;
      strictEqual(await viewer.page.locator(".grid.presenter").count(), 0, "no presenter layout yet");

      const shareButton = sharer.page.getByRole("button", { name: en["screen.share"] });
      ok(await shareButton.isEnabled(), "a participant of an open meeting has the screen grant");
      await shareButton.click();
      await sharer.page.getByRole("button", { name: en["screen.stop"] }).waitFor({ timeout: 10_000 });
      const capture = await sharer.page.evaluate(() => {
        const stream = (globalThis as { screenCapture?: MediaStream }).screenCapture;
        const video = stream?.getVideoTracks()[0];
        return { audio: stream?.getAudioTracks().length ?? 0, contentHint: video?.contentHint };
      });
      strictEqual(capture.audio, 1, "the fake screen comes with audio");
      strictEqual(capture.contentHint, "detail", "the screen is captured for detail, not motion");

      // The viewer decodes the screen as a second video, large, and the screen audio as a second track.
      const shared = await waitForPeer(viewer.page, sharerSessionId, "the screen and its audio", (peer) => {
        const screen = peer.videoTracks.find((track) => track.screen);
        const screenAudio = peer.audioTracks.find((track) => track.trackId !== microphoneTrackId);
        return (
          peer.videoTracks.length === 2 &&
          screen !== undefined &&
          screen.framesDecoded >= MIN_SCREEN_FRAMES &&
          screen.hasTile &&
          screen.large &&
          screenAudio !== undefined &&
          screenAudio.framesDecoded >= MIN_SCREEN_AUDIO_FRAMES
        );
      });
      const screen = shared.videoTracks.find((track) => track.screen)!;
      const screenAudioTrackId = shared.audioTracks.find(
        (track) => track.trackId !== microphoneTrackId,
      )!.trackId;
      ok(screen.trackId !== cameraTrackId, "the screen is its own track, next to the camera");
      strictEqual(
        screen.width,
        1280,
        "the screen is sent at its capture size (one layer, no simulcast ladder)",
      );
      ok(
        shared.videoTracks.find((track) => track.trackId === cameraTrackId)!.framesDecoded >
          before.videoTracks[0]!.framesDecoded,
        "the camera keeps decoding beside the screen",
      );
      // The screen audio is sound, not silence: the played level of that track rises above the floor.
      await viewer.page.waitForFunction(
        ([id, trackId, rms]) =>
          (window.videocall.peers()[id]?.audioTracks.find((track) => track.trackId === trackId)?.rms ?? 0) >
          rms,
        [sharerSessionId, screenAudioTrackId, AUDIBLE_RMS] as const,
        { timeout: MEDIA_TIMEOUT_MS, polling: 50 },
      );

      // Presenter layout: the screen's tile is the large one, the cameras sit in a strip under it.
      const screenTile = viewer.page.locator(
        `.grid.presenter .tile.remote.dominant[data-session-id="${sharerSessionId}"][data-track-id="${screen.trackId}"]`,
      );
      const cameraTile = viewer.page.locator(
        `.tile.remote[data-session-id="${sharerSessionId}"][data-track-id="${cameraTrackId}"]`,
      );
      const screenBox = await screenTile.boundingBox();
      const cameraBox = await cameraTile.boundingBox();
      ok(screenBox && cameraBox, "both tiles are on screen");
      ok(
        screenBox.width > 2 * cameraBox.width,
        `the screen is drawn large (${screenBox.width} px wide) and the camera small (${cameraBox.width} px)`,
      );
      ok(cameraBox.y > screenBox.y, "the camera strip sits under the screen");
      const screenFit = await screenTile.evaluate((tile) =>
        [...tile.querySelectorAll("canvas")].map((canvas) => getComputedStyle(canvas).objectFit).join(","),
      );
      strictEqual(
        screenFit,
        "contain",
        `the screen is shown whole, not cropped like a camera (${screenFit})`,
      );

      // The browser's own "Stop sharing": it stops the capture track, which fires `ended`.
      await sharer.page.evaluate(() => {
        const video = (globalThis as { screenCapture?: MediaStream }).screenCapture?.getVideoTracks()[0];
        video?.stop();
        video?.dispatchEvent(new Event("ended"));
      });
      await sharer.page.getByRole("button", { name: en["screen.share"] }).waitFor({ timeout: 10_000 });
      await waitForPeer(
        viewer.page,
        sharerSessionId,
        "the screen and its audio to go",
        (peer) =>
          peer.videoTracks.length === 1 &&
          peer.audioTracks.length === 1 &&
          peer.audioTracks[0]!.trackId === microphoneTrackId,
      );
      await viewer.page.locator(".grid.presenter").waitFor({ state: "detached", timeout: 10_000 });
      strictEqual(
        await viewer.page.locator(`.tile.remote[data-track-id="${screen.trackId}"]`).count(),
        0,
        "the screen's tile is gone",
      );
      const sharerLocal = await sharer.page.evaluate(() => window.videocall.local());
      strictEqual(sharerLocal.screenFramesEncoded, undefined, "the sharer publishes no screen any more");
      strictEqual(
        await sharer.page.evaluate(
          () =>
            (globalThis as { screenCapture?: MediaStream }).screenCapture?.getAudioTracks()[0]?.readyState,
        ),
        "ended",
        "the screen audio capture is released too",
      );
      for (const page of [sharer, viewer])
        strictEqual(page.errors.filter((e) => e.startsWith("pageerror")).length, 0, page.errors.join("\n"));
    } finally {
      await browser.close();
      await server.stop();
    }
  },
});

const CREDENTIALS: ApiCredentials = {
  apiKey: "screen-test-key",
  apiSecret: "screen-test-secret-of-at-least-32-bytes",
};

Deno.test({
  name: "without the screen grant the Share screen button is disabled and says why",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({
      extraArgs: ["--api-key", CREDENTIALS.apiKey, "--api-secret", CREDENTIALS.apiSecret],
    });
    const browser = await launchBrowser();
    try {
      const meetingId = "screen-no-grant";
      const token = await mintRoomToken(CREDENTIALS, {
        identity: "no-screen-1",
        displayName: "nora",
        meetingId,
        grants: PARTICIPANT_GRANTS & ~Grant.publishScreen,
        ttlSeconds: 600,
      });
      const page = await openMeetingPage(browser, server.url, "nora", meetingId, {
        // The join endpoint would grant everything a participant has; this token leaves out the screen.
        beforeLoad: async (context) => {
          await context.route("**/api/meetings/*/join", (route) =>
            route.fulfill({ contentType: "application/json", body: JSON.stringify({ token }) }),
          );
        },
      });
      await join(page.page);
      strictEqual(
        await page.page.evaluate(() => window.videocall.control().participants.length),
        0,
        "alone in the meeting",
      );
      const button = page.page.getByRole("button", { name: en["screen.share"] });
      await button.waitFor({ state: "visible", timeout: 10_000 });
      ok(await button.isDisabled(), "no Share screen without the grant");
      strictEqual(await button.getAttribute("title"), en["screen.notAllowed"]);
    } finally {
      await browser.close();
      await server.stop();
    }
  },
});

type PeerSeen = Awaited<ReturnType<typeof peers>>[number];

/** Polls the viewer's hooks until `done` holds for the peer; a timeout says what it saw. */
async function waitForPeer(
  page: Page,
  sessionId: number,
  what: string,
  done: (peer: PeerSeen) => boolean,
): Promise<PeerSeen> {
  const deadline = Date.now() + MEDIA_TIMEOUT_MS;
  let peer: PeerSeen | undefined;
  while (Date.now() < deadline) {
    peer = (await peers(page))[sessionId];
    if (peer && done(peer)) return peer;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}; saw ${JSON.stringify(peer)}`);
}
