/**
 * End-to-end: the browser publishes simulcast (issue 12 item 1). A real Chromium page with a 720p
 * fake camera encodes three layers in its worker (320×180, 640×360, 1280×720, one VideoEncoder
 * each, L1T3 where the browser allows) and announces them in TrackInfo.layers. Three Deno
 * client-library subscribers, each capped to one layer (max_layer 0, 1, 2, with a tile size to
 * match), check what arrives: Media.layer within the cap, the layer's own size in its VP8 key
 * frames, continuous per-layer sequences and temporal ids 0..2.
 */
import { ok } from "node:assert/strict";
import { joinMeeting, type Media, MediaKind, type MeetingSession } from "@videocall/client";
import type { Browser } from "playwright-core";
import { vpxKeyframeInfo } from "../../packages/cli/src/vpx-bitstream.ts";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { startServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const TEST_TIMEOUT_MS = 120_000;
const MEETING = "simulcast-publish";
const LAYER_SIZES = [
  [320, 180],
  [640, 360],
  [1280, 720],
] as const;
/** Frames of its own layer each subscriber must see. */
const MIN_LAYER_FRAMES = 40;

interface Seen {
  layers: Map<number, number>;
  keyframeSizes: Map<number, string>;
  temporal: Set<number>;
  sequenceGaps: number;
  lastSequence: Map<number, number>;
}

function record(seen: Seen, media: Media): void {
  seen.layers.set(media.layer, (seen.layers.get(media.layer) ?? 0) + 1);
  seen.temporal.add(media.temporalLayer);
  const last = seen.lastSequence.get(media.layer);
  if (last !== undefined && media.sequence !== (last + 1) >>> 0) seen.sequenceGaps++;
  seen.lastSequence.set(media.layer, media.sequence);
  if (media.keyframe) {
    const info = vpxKeyframeInfo("vp8", media.payload);
    if (info) seen.keyframeSizes.set(media.layer, `${info.width}x${info.height}`);
  }
}

Deno.test(
  "a Chromium page publishes three simulcast layers with their sizes, temporal ids and own sequences",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    let browser: Browser | undefined;
    const subscribers: MeetingSession[] = [];
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
          const publisher = await openMeetingPage(browser, server.url, "camera", MEETING);
          const pageSessionId = await join(publisher.page);

          const seen: Seen[] = [];
          for (const maxLayer of [0, 1, 2]) {
            const session = await joinMeeting({
              serverUrl: server.url,
              username: `watcher-${maxLayer}`,
              meetingId: MEETING,
              reconnect: false,
            });
            subscribers.push(session);
            const mine: Seen = {
              layers: new Map(),
              keyframeSizes: new Map(),
              temporal: new Set(),
              sequenceGaps: 0,
              lastSequence: new Map(),
            };
            seen.push(mine);
            session.events.on("media", (from, media) => {
              if (from === pageSessionId && media.kind === MediaKind.VIDEO) record(mine, media);
            });
          }
          // The camera's TrackInfo announces the ladder the page's capture reaches.
          const first = subscribers[0]!;
          await waitFor(
            "the page's camera track with three layers",
            () =>
              (first.participants.get(pageSessionId)?.tracks.find((track) => track.kind === MediaKind.VIDEO)
                ?.layers.length ?? 0) === 3,
            30_000,
          );
          const camera = first.participants
            .get(pageSessionId)!
            .tracks.find((track) => track.kind === MediaKind.VIDEO)!;
          const announced = camera.layers.map((layer) => [
            layer.layer,
            layer.widthPx,
            layer.heightPx,
            layer.bitrateBps,
          ]);
          ok(
            JSON.stringify(announced) ===
              JSON.stringify([
                [0, 320, 180, 150_000],
                [1, 640, 360, 500_000],
                [2, 1280, 720, 1_500_000],
              ]),
            `TrackInfo.layers: ${JSON.stringify(announced)}`,
          );
          subscribers.forEach((session, maxLayer) => {
            const [widthPx, heightPx] = LAYER_SIZES[maxLayer]!;
            session.setSubscriptions({
              mode: "explicit",
              tracks: [{ sessionId: pageSessionId, trackId: camera.trackId, maxLayer, widthPx, heightPx }],
            });
          });
          // What arrived before the relay applied the caps (ALL mode until then) does not count.
          await new Promise((resolve) => setTimeout(resolve, 1000));
          for (const mine of seen) {
            mine.layers.clear();
            mine.keyframeSizes.clear();
            mine.temporal.clear();
            mine.lastSequence.clear();
            mine.sequenceGaps = 0;
          }
          // The layer's first key frame may have come before the clearing: ask each for a new one.
          for (const session of subscribers) session.requestKeyframe(pageSessionId, camera.trackId);
          await waitFor(
            "each subscriber receiving its own layer, from a key frame",
            () =>
              seen.every(
                (mine, layer) =>
                  (mine.layers.get(layer) ?? 0) >= MIN_LAYER_FRAMES && mine.keyframeSizes.size > 0,
              ),
            60_000,
          ).catch((error) => {
            throw new Error(`received per layer: ${JSON.stringify(seen.map((mine) => [...mine.layers]))}`, {
              cause: error,
            });
          });
          const local = await publisher.page.evaluate(() => window.videocall.local());
          const summary = seen.map((mine) => ({
            layers: [...mine.layers],
            keyframeSizes: [...mine.keyframeSizes],
            temporal: [...mine.temporal].sort(),
            sequenceGaps: mine.sequenceGaps,
          }));
          console.log(JSON.stringify({ summary, cameraLayers: local.cameraLayers }));
          seen.forEach((mine, maxLayer) => {
            ok(
              [...mine.layers.keys()].every((layer) => layer <= maxLayer),
              `subscriber capped at ${maxLayer} got only layers up to it: ${JSON.stringify([...mine.layers])}`,
            );
            const [width, height] = LAYER_SIZES[maxLayer]!;
            ok(
              mine.keyframeSizes.get(maxLayer) === `${width}x${height}`,
              `layer ${maxLayer}'s key frames are ${width}x${height}: ${JSON.stringify([...mine.keyframeSizes])}`,
            );
          });
          // Loopback, no loss: every layer's sequence runs on by one.
          ok(
            seen[0]!.sequenceGaps === 0,
            `layer 0 alone arrives without sequence gaps: ${seen[0]!.sequenceGaps}`,
          );
          ok(
            local.cameraLayers.length === 3 && local.cameraLayers.every((layer) => layer.framesEncoded > 0),
            `three encoders ran: ${JSON.stringify(local.cameraLayers)}`,
          );
          if (local.cameraLayers.every((layer) => layer.scalabilityMode === "L1T3")) {
            ok(
              [0, 1, 2].every((id) => seen[0]!.temporal.has(id)),
              `L1T3: temporal ids 0..2 arrive: ${JSON.stringify([...seen[0]!.temporal])}`,
            );
          }
          const pageErrors = publisher.errors.filter((error) => error.startsWith("pageerror"));
          ok(pageErrors.length === 0, pageErrors.join("\n"));
        })(),
      ]);
    } finally {
      clearTimeout(timer);
      await Promise.all(subscribers.map((session) => session.leave()));
      await Promise.race([browser?.close(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      await server.stop();
    }
  },
);
