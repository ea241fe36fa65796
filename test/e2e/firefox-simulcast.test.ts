/**
 * Simulcast from Firefox: one `<video>` frame source (no MediaStreamTrackProcessor) feeds one
 * VP8 L1T3 encoder per layer. A Deno subscriber asks for a small tile and then a 720p one; the
 * relay's LayerDemand switches the page's encoders, and each layer's key frame has its layer's size.
 * Needs `npm run build:web` first.
 */
import { ok } from "node:assert/strict";
import { joinMeeting, MediaKind, type MeetingSession } from "@videocall/client";
import { vpxKeyframeInfo } from "../../packages/cli/src/vpx-bitstream.ts";
import { joinCall } from "../fixtures/call-page.ts";
import { withEngineCall } from "../fixtures/engine-call.ts";
import { firefoxInstalled, openFirefoxCallPage } from "../fixtures/firefox.ts";
import { waitFor } from "../fixtures/wait.ts";

const TEST_OPTIONS = {
  sanitizeOps: false,
  sanitizeResources: false,
  ignore: !(await firefoxInstalled()),
} as const;

Deno.test(
  "firefox simulcast: the relay's demand picks the 180p layer, then the 720p one, each from a key frame of its size",
  TEST_OPTIONS,
  async () => {
    let watcher: MeetingSession | undefined;
    try {
      await withEngineCall(async (call) => {
        const fox = await call.firefox();
        const page = await openFirefoxCallPage(fox, call.server.url, "camera", "firefox-simulcast");
        const pageSessionId = await joinCall(page);
        watcher = await joinMeeting({
          serverUrl: call.server.url,
          username: "tile",
          meetingId: "firefox-simulcast",
          reconnect: false,
        });
        const session = watcher;
        const keyframes: Array<{ layer: number; size: string; temporalLayer: number; atMs: number }> = [];
        const temporalLayersSeen = new Set<number>();
        session.events.on("media", (from, media) => {
          if (from !== pageSessionId || media.kind !== MediaKind.VIDEO) return;
          temporalLayersSeen.add(media.temporalLayer);
          const info = media.keyframe ? vpxKeyframeInfo("vp8", media.payload) : undefined;
          if (info) {
            keyframes.push({
              layer: media.layer,
              size: `${info.width}x${info.height}`,
              temporalLayer: media.temporalLayer,
              atMs: performance.now(),
            });
          }
        });
        await waitFor(
          "the page's camera with three layers",
          () => session.participants.get(pageSessionId)?.tracks.some((t) => t.layers.length === 3) ?? false,
          30_000,
        );
        const camera = session.participants
          .get(pageSessionId)!
          .tracks.find((t) => t.kind === MediaKind.VIDEO)!;
        const subscribe = (widthPx: number, heightPx: number) =>
          session.setSubscriptions({
            mode: "explicit",
            tracks: [{ sessionId: pageSessionId, trackId: camera.trackId, widthPx, heightPx }],
          });

        const smallAtMs = performance.now();
        subscribe(320, 180);
        await waitFor(
          "a 320x180 key frame of layer 0",
          () => keyframes.some((k) => k.layer === 0 && k.atMs > smallAtMs),
          20_000,
        ).catch((error) => {
          throw new Error(`key frames seen: ${JSON.stringify(keyframes)}`, { cause: error });
        });
        const small = keyframes.find((k) => k.layer === 0 && k.atMs > smallAtMs)!;
        ok(small.size === "320x180", `layer 0's key frame is 320x180: ${small.size}`);

        const grewAtMs = performance.now();
        subscribe(1280, 720);
        await waitFor(
          "a 1280x720 key frame of layer 2",
          () => keyframes.some((k) => k.layer === 2 && k.atMs > grewAtMs),
          20_000,
        ).catch((error) => {
          throw new Error(`key frames seen: ${JSON.stringify(keyframes)}`, { cause: error });
        });
        const large = keyframes.find((k) => k.layer === 2 && k.atMs > grewAtMs)!;
        ok(large.size === "1280x720", `layer 2's key frame is 1280x720: ${large.size}`);
        const local = await page.evaluate(() => window.videocall.local(), 0);
        ok(
          local.cameraLayers.every(
            (layer) => layer.scalabilityMode === "L1T3" || layer.scalabilityMode === "",
          ),
          `only L1T3 (or nothing) is configured in Firefox: ${JSON.stringify(local.cameraLayers)}`,
        );
        ok(temporalLayersSeen.size > 1, `temporal layers arrive: ${[...temporalLayersSeen]}`);
        console.log(
          `    ${JSON.stringify({ layer2AfterMs: Math.round(large.atMs - grewAtMs), temporalLayers: [...temporalLayersSeen] })}`,
        );
      });
    } finally {
      await watcher?.leave();
    }
  },
);
