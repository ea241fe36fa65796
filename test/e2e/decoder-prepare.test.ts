/**
 * A late joiner's first frame waits for its key frame, not for its decoder (issue 13 item 3):
 * in real Chromium, a remote video track the page receives starts its decoder worker when the
 * track is announced, before any frame, and configures its decoder for the announced codec. A Deno
 * publisher announces a camera track and sends nothing; the receiver (the A/V probe page's,
 * test/fixtures/av-probe) must have started the decoder while the track is unmuted and not while
 * it is muted.
 */
import { ok } from "node:assert/strict";
import { Codec, joinMeeting, MediaKind } from "@videocall/client";
import type { Page } from "playwright-core";
import type { ProbeTarget } from "../fixtures/av-probe/page/av-probe-page.ts";
import { launchBrowser } from "../fixtures/browser.ts";
import { startServer } from "../fixtures/server.ts";
import { viteBuild } from "../fixtures/vite-build.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const MEETING = "decoder-prepare";

interface VideoTrackState {
  decoderStarted: boolean;
  decoderConfigured: boolean;
  framesReceived: number;
  muted: boolean;
}

function videoTrackState(page: Page): Promise<VideoTrackState | undefined> {
  return page.evaluate(() => {
    const track = window.avProbe.results().peer?.videoTracks[0];
    return (
      track && {
        decoderStarted: track.decoderStarted,
        decoderConfigured: track.decoderConfigured,
        framesReceived: track.framesReceived,
        muted: track.muted,
      }
    );
  });
}

Deno.test(
  "an announced, unmuted video track starts its decoder before its first frame; a muted one does not",
  TEST_OPTIONS,
  async () => {
    const webRoot = await Deno.makeTempDir({ prefix: "decoder-prepare-web-" });
    await viteBuild("test/fixtures/av-probe/page/vite.config.ts", webRoot);
    const server = await startServer({ extraArgs: ["--web-root", webRoot] });
    const browser = await launchBrowser({ fakeDevices: false });
    const publisher = await joinMeeting({
      serverUrl: server.url,
      meetingId: MEETING,
      username: "publisher",
      transport: "websocket",
      reconnect: false,
    });
    try {
      const camera = publisher.publishTrack({ kind: MediaKind.VIDEO, codec: Codec.VP8, muted: true });
      const page = await (await browser.newContext()).newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`${server.url}/av-probe.html`);
      await page.waitForFunction(() => window.avProbe !== undefined, null, { timeout: 30_000 });
      const target: ProbeTarget = {
        serverUrl: server.url,
        meetingId: MEETING,
        username: "receiver",
        transport: "websocket",
      };
      await page.evaluate((t) => window.avProbe.startReceiver(t), target);
      await page.waitForFunction(() => window.avProbe.results().peer?.videoTracks[0] !== undefined, null, {
        timeout: 30_000,
      });
      const muted = await videoTrackState(page);
      ok(muted?.muted === true && !muted.decoderStarted, `muted track: ${JSON.stringify(muted)}`);

      camera.setMuted(false);
      await page.waitForFunction(() => window.avProbe.results().peer?.videoTracks[0]?.muted === false, null, {
        timeout: 30_000,
      });
      // The worker reports every 250 ms: its VP8 decoder configured from the announcement alone.
      await page
        .waitForFunction(
          () => window.avProbe.results().peer?.videoTracks[0]?.decoderConfigured === true,
          null,
          {
            timeout: 5000,
          },
        )
        .catch(() => {});
      const unmuted = await videoTrackState(page);
      // Not one frame was sent: only the announcement can have started the decoder.
      ok(
        unmuted?.decoderStarted === true && unmuted.decoderConfigured && unmuted.framesReceived === 0,
        `unmuted track: ${JSON.stringify(unmuted)}`,
      );
      ok(errors.length === 0, errors.join("\n"));
    } finally {
      await publisher.leave().catch(() => {});
      await browser.close().catch(() => {});
      await server.stop();
      await Deno.remove(webRoot, { recursive: true }).catch(() => {});
    }
  },
);
