/**
 * End-to-end: tracks are entities (issue 9 item 1). A Deno client-library publisher sends two real
 * VP8 streams (a camera and a screen share, encoded by ffmpeg as the CLI does) on two LocalTracks;
 * a real Chromium page shows them as two tiles, each decoding on its own decoder. Closing one
 * track removes its tile while the other keeps decoding.
 */
import { ok } from "node:assert/strict";
import { Codec, joinMeeting, type LocalTrack, MediaKind, type MeetingSession } from "@videocall/client";
import type { Browser } from "playwright-core";
import { IvfReader } from "../../packages/cli/src/ivf-reader.ts";
import { encodeWithFfmpeg } from "../../packages/cli/src/test-media.ts";
import { isVpxKeyframe } from "../../packages/cli/src/vpx-bitstream.ts";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { MEDIA_TIMEOUT_MS } from "../fixtures/media-expectations.ts";
import { startServer } from "../fixtures/server.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const TEST_TIMEOUT_MS = 120_000;
const MEETING = "two-tracks";
const FPS = 15;
/** Frames each tile must decode to count as showing its stream. */
const MIN_TRACK_FRAMES = 30;

interface Vp8Frame {
  keyframe: boolean;
  payload: Uint8Array;
}

/** A VP8 clip of an ffmpeg source (320×240, 15 fps, a key frame every second). */
async function vp8Clip(source: string): Promise<Vp8Frame[]> {
  const ivf = await encodeWithFfmpeg([
    ...["-f", "lavfi", "-i", `${source}=size=320x240:rate=${FPS}`, "-t", "6"],
    ...["-c:v", "libvpx", "-threads", "1", "-deadline", "realtime", "-cpu-used", "8", "-g", String(FPS)],
    ...["-b:v", "300k", "-f", "ivf"],
  ]);
  return new IvfReader()
    .push(ivf)
    .map((frame) => ({ keyframe: isVpxKeyframe("vp8", frame.payload), payload: frame.payload }));
}

/** Sends `clip` on `track` at FPS, looping, until `signal` aborts or the track closes. */
async function sendLoop(track: LocalTrack, clip: Vp8Frame[], signal: AbortSignal): Promise<void> {
  for (let i = 0; !signal.aborted && !track.closed; i++) {
    const frame = clip[i % clip.length]!;
    track.sendFrame({
      keyframe: frame.keyframe,
      captureTimeUs: Date.now() * 1000,
      durationUs: 1_000_000 / FPS,
      payload: frame.payload,
    });
    await new Promise((resolve) => setTimeout(resolve, 1000 / FPS));
  }
}

Deno.test(
  "a publisher with a camera and a screen share is two decoding tiles; closing one track removes its tile",
  TEST_OPTIONS,
  async () => {
    const [camera, screen] = await Promise.all([vp8Clip("testsrc"), vp8Clip("smptebars")]);
    const server = await startServer();
    let browser: Browser | undefined;
    let publisher: MeetingSession | undefined;
    const stop = new AbortController();
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
          browser = await launchBrowser();
          const viewer = await openMeetingPage(browser, server.url, "viewer", MEETING);
          await join(viewer.page);

          publisher = await joinMeeting({
            serverUrl: server.url,
            username: "presenter",
            meetingId: MEETING,
            reconnect: false,
          });
          const cameraTrack = publisher.publishTrack({ kind: MediaKind.VIDEO, codec: Codec.VP8 });
          const screenTrack = publisher.publishTrack({ kind: MediaKind.SCREEN, codec: Codec.VP8 });
          ok(cameraTrack.trackId !== screenTrack.trackId, "the session allocates a track id per track");
          const sending = [
            sendLoop(cameraTrack, camera, stop.signal),
            sendLoop(screenTrack, screen, stop.signal),
          ];
          const presenterId = publisher.sessionId;

          const tracksSeen = () =>
            viewer.page.evaluate((id) => window.videocall.peers()[id]?.videoTracks ?? [], presenterId);
          await viewer.page
            .waitForFunction(
              ([id, min]) => {
                const tracks = window.videocall.peers()[id]?.videoTracks ?? [];
                return (
                  tracks.length === 2 && tracks.every((track) => track.framesDecoded > min && track.hasTile)
                );
              },
              [presenterId, MIN_TRACK_FRAMES] as const,
              { timeout: MEDIA_TIMEOUT_MS, polling: 250 },
            )
            .catch(async (error) => {
              throw new Error(`two decoding tiles expected; saw ${JSON.stringify(await tracksSeen())}`, {
                cause: error,
              });
            });
          const tiles = viewer.page.locator(`.tile.remote[data-session-id="${presenterId}"]`);
          ok((await tiles.count()) === 2, `two tiles for the presenter, saw ${await tiles.count()}`);
          for (const track of [cameraTrack, screenTrack]) {
            const tile = viewer.page.locator(
              `.tile.remote[data-session-id="${presenterId}"][data-track-id="${track.trackId}"]`,
            );
            ok(await tile.isVisible(), `the tile of track ${track.trackId} is on screen`);
            ok(
              !(await tile.evaluate((element) => element.classList.contains("camera-off"))),
              `track ${track.trackId}'s tile shows video`,
            );
          }
          const before = await tracksSeen();
          const decodedBefore =
            before.find((track) => track.trackId === cameraTrack.trackId)?.framesDecoded ?? 0;

          // The screen share ends: its tile goes, the camera's stays and keeps decoding.
          screenTrack.close();
          await viewer.page.waitForFunction(
            ([id, trackId]) =>
              document.querySelector(`.tile.remote[data-session-id="${id}"][data-track-id="${trackId}"]`) ===
              null,
            [presenterId, screenTrack.trackId] as const,
            { timeout: 10_000, polling: 100 },
          );
          await viewer.page.waitForFunction(
            ([id, trackId, decoded]) =>
              (window.videocall.peers()[id]?.videoTracks.find((track) => track.trackId === trackId)
                ?.framesDecoded ?? 0) >
              decoded + 15,
            [presenterId, cameraTrack.trackId, decodedBefore] as const,
            { timeout: MEDIA_TIMEOUT_MS, polling: 250 },
          );
          const after = await tracksSeen();
          ok((await tiles.count()) === 1, `one tile left, saw ${await tiles.count()}`);
          ok(
            after.length === 1 && after[0]?.trackId === cameraTrack.trackId,
            `only the camera is received: ${JSON.stringify(after)}`,
          );
          const pageErrors = viewer.errors.filter((error) => error.startsWith("pageerror"));
          ok(pageErrors.length === 0, pageErrors.join("\n"));
          console.log(
            JSON.stringify({ before, after, publisherTracks: [cameraTrack.stats(), screenTrack.stats()] }),
          );
          stop.abort();
          await Promise.all(sending);
        })(),
      ]);
    } finally {
      clearTimeout(timer);
      stop.abort();
      await publisher?.leave();
      await Promise.race([browser?.close(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      await server.stop();
    }
  },
);
