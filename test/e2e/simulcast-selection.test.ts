/**
 * End-to-end: simulcast with the relay's layer selection (issue 12 items 1, 2 and 7). Needs the
 * relay's selective forwarding (LayerDemand, one layer per subscriber).
 *
 * 1. A real Chromium page publishes three layers; a Deno subscriber shows it in a small tile. The
 *    relay's LayerDemand makes the page close the encoders of layers 1 and 2 (their frame counts
 *    stop), and when the tile grows, layer 2 is encoded again and its key frame arrives.
 * 2. A meeting of 12: 11 Deno bots publishing three synthetic VP8 layers, and a Chromium page whose
 *    grid shows 9 of them a page. The page receives video only for the tiles on its page, one layer
 *    each and never above what the tile's size asks for; after paging and growing the window, the
 *    tiles on screen switch to a higher layer.
 * 3. `videocall stream --simulcast` stops the ffmpeg of a layer the relay's LayerDemand leaves out.
 */
import { ok } from "node:assert/strict";
import { Codec, joinMeeting, type LocalTrack, MediaKind, type MeetingSession } from "@videocall/client";
import type { Browser, Page } from "playwright-core";
import { IvfReader } from "../../packages/cli/src/ivf-reader.ts";
import { encodeWithFfmpeg } from "../../packages/cli/src/test-media.ts";
import { isVpxKeyframe, vpxKeyframeInfo } from "../../packages/cli/src/vpx-bitstream.ts";
import type { VideoTrackHook } from "../../packages/web/src/test-hooks/videocall-hooks.ts";
import { startCli } from "../cli/cli.ts";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { startServer } from "../fixtures/server.ts";
import { delay, waitFor } from "../fixtures/wait.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const TEST_TIMEOUT_MS = 180_000;
const LADDER = [
  { layer: 0, widthPx: 320, heightPx: 180, bitrateBps: 150_000 },
  { layer: 1, widthPx: 640, heightPx: 360, bitrateBps: 500_000 },
  { layer: 2, widthPx: 1280, heightPx: 720, bitrateBps: 1_500_000 },
];

async function withTimeout(run: () => Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${TEST_TIMEOUT_MS} ms`)), TEST_TIMEOUT_MS);
      }),
      run(),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The layer the relay picks for a tile (layer-selection.ts): the highest that fits it. */
function layerForTile(widthPx: number, heightPx: number): number {
  let chosen = 0;
  for (const layer of LADDER) {
    const fits =
      (widthPx === 0 || layer.widthPx <= widthPx) && (heightPx === 0 || layer.heightPx <= heightPx);
    if (fits) chosen = layer.layer;
  }
  return chosen;
}

Deno.test(
  "an unsubscribed layer stops being encoded, and starts again with a key frame when a tile grows",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    let browser: Browser | undefined;
    let watcher: MeetingSession | undefined;
    try {
      await withTimeout(async () => {
        browser = await launchBrowser();
        const publisher = await openMeetingPage(browser, server.url, "camera", "simulcast-demand");
        const pageSessionId = await join(publisher.page);
        watcher = await joinMeeting({
          serverUrl: server.url,
          username: "small-tile",
          meetingId: "simulcast-demand",
          reconnect: false,
        });
        const keyframes: Array<{ layer: number; size: string; atMs: number }> = [];
        const layersReceived = new Map<number, number>();
        watcher.events.on("media", (from, media) => {
          if (from !== pageSessionId || media.kind !== MediaKind.VIDEO) return;
          layersReceived.set(media.layer, (layersReceived.get(media.layer) ?? 0) + 1);
          const info = media.keyframe ? vpxKeyframeInfo("vp8", media.payload) : undefined;
          if (info)
            keyframes.push({
              layer: media.layer,
              size: `${info.width}x${info.height}`,
              atMs: performance.now(),
            });
        });
        const session = watcher;
        await waitFor(
          "the page's camera",
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
        const cameraLayers = async () =>
          (await publisher.page.evaluate(() => window.videocall.local())).cameraLayers;

        subscribe(320, 180);
        await publisher.page
          .waitForFunction(() => window.videocall.local().cameraLayersMask === 1, null, {
            timeout: 20_000,
            polling: 100,
          })
          .catch(async (error) => {
            throw new Error(
              `LayerDemand 1 expected: ${JSON.stringify(await publisher.page.evaluate(() => window.videocall.local()))}`,
              {
                cause: error,
              },
            );
          });
        // The worker's stats arrive once a second: let two reports pass, then watch for 3 s.
        await delay(2500);
        const before = await cameraLayers();
        await delay(3000);
        const after = await cameraLayers();
        console.log(JSON.stringify({ before, after }));
        ok(
          after[0]!.active && after[0]!.framesEncoded > before[0]!.framesEncoded + 30,
          "layer 0 keeps encoding",
        );
        for (const layer of [1, 2]) {
          ok(!after[layer]!.active, `layer ${layer}'s encoder is closed: ${JSON.stringify(after[layer])}`);
          ok(
            after[layer]!.framesEncoded === before[layer]!.framesEncoded,
            `layer ${layer} encodes nothing: ${before[layer]!.framesEncoded} -> ${after[layer]!.framesEncoded}`,
          );
        }

        // The tile grows to 720p: the relay wants layer 2, the page encodes it again from a key frame.
        const keyframesBefore = after[2]!.keyframesEncoded;
        const grewAtMs = performance.now();
        subscribe(1280, 720);
        await waitFor(
          "a 1280x720 key frame of layer 2",
          () => keyframes.some((k) => k.layer === 2 && k.atMs > grewAtMs),
          20_000,
        ).catch((error) => {
          throw new Error(`key frames seen: ${JSON.stringify(keyframes)}`, { cause: error });
        });
        const first = keyframes.find((k) => k.layer === 2 && k.atMs > grewAtMs)!;
        ok(first.size === "1280x720", `layer 2's key frame is 1280x720: ${first.size}`);
        // The page's encoder stats come once a second: wait for the report that shows the restart.
        await publisher.page
          .waitForFunction(
            (keyframes) => {
              const layer = window.videocall.local().cameraLayers[2];
              return layer?.active === true && layer.keyframesEncoded > keyframes;
            },
            keyframesBefore,
            { timeout: 10_000, polling: 100 },
          )
          .catch(async (error) => {
            throw new Error(`layer 2 restarted: ${JSON.stringify(await cameraLayers())}`, { cause: error });
          });
        console.log(`layer 2 arrived ${Math.round(first.atMs - grewAtMs)} ms after the tile grew`);
      });
    } finally {
      await watcher?.leave();
      await Promise.race([browser?.close(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      await server.stop();
    }
  },
);

interface Clip {
  keyframe: boolean;
  payload: Uint8Array;
}

/** A VP8 clip of `testsrc` at one layer's size: 15 fps, a key frame every second. */
async function clipAt(widthPx: number, heightPx: number): Promise<Clip[]> {
  const ivf = await encodeWithFfmpeg([
    ...["-f", "lavfi", "-i", `testsrc=size=${widthPx}x${heightPx}:rate=15`, "-t", "4"],
    ...["-c:v", "libvpx", "-threads", "1", "-deadline", "realtime", "-cpu-used", "8", "-g", "15"],
    ...["-b:v", "300k", "-f", "ivf"],
  ]);
  return new IvfReader()
    .push(ivf)
    .map((frame) => ({ keyframe: isVpxKeyframe("vp8", frame.payload), payload: frame.payload }));
}

/** A bot's camera: the three clips as three layers at 15 fps, sending only the layers demanded. */
async function sendLayers(session: MeetingSession, track: LocalTrack, clips: Clip[][], signal: AbortSignal) {
  let mask = 0b111;
  session.events.on("layerDemand", (trackId, layersMask) => {
    if (trackId === track.trackId) mask = layersMask;
  });
  for (let i = 0; !signal.aborted && !track.closed; i++) {
    for (const [layer, clip] of clips.entries()) {
      if (((mask >>> layer) & 1) === 0) continue;
      const frame = clip[i % clip.length]!;
      track.sendFrame({
        keyframe: frame.keyframe,
        captureTimeUs: Date.now() * 1000,
        layer,
        payload: frame.payload,
      });
    }
    await delay(1000 / 15);
  }
}

/** Per visible video track: what the page receives now. */
async function videoTracks(page: Page): Promise<Map<string, VideoTrackHook>> {
  const peers = await page.evaluate(() => window.videocall.peers());
  const tracks = new Map<string, VideoTrackHook>();
  for (const [sessionId, peer] of Object.entries(peers)) {
    for (const track of peer.videoTracks) tracks.set(`${sessionId}:${track.trackId}`, track);
  }
  return tracks;
}

/** Frames received per track and layer between two snapshots. */
function framesBetween(before: Map<string, VideoTrackHook>, after: Map<string, VideoTrackHook>) {
  const result = new Map<string, number[]>();
  for (const [key, track] of after) {
    const earlier = before.get(key)?.framesByLayer ?? [0, 0, 0, 0];
    result.set(
      key,
      track.framesByLayer.map((count, layer) => count - (earlier[layer] ?? 0)),
    );
  }
  return result;
}

Deno.test(
  "a Chromium page in a meeting of 12 receives only the layers its visible tiles need, and switches when they grow",
  TEST_OPTIONS,
  async () => {
    const clips = await Promise.all(LADDER.map((layer) => clipAt(layer.widthPx, layer.heightPx)));
    const server = await startServer();
    let browser: Browser | undefined;
    const bots: MeetingSession[] = [];
    const stop = new AbortController();
    const sending: Promise<void>[] = [];
    try {
      await withTimeout(async () => {
        browser = await launchBrowser();
        const viewer = await openMeetingPage(browser, server.url, "viewer", "simulcast-12", {
          denyCamera: true,
          viewport: { width: 1280, height: 720 },
        });
        await join(viewer.page);
        for (let i = 0; i < 11; i++) {
          const bot = await joinMeeting({
            serverUrl: server.url,
            username: `bot-${String(i).padStart(2, "0")}`,
            meetingId: "simulcast-12",
            reconnect: false,
          });
          bots.push(bot);
          const track = bot.publishTrack({ kind: MediaKind.VIDEO, codec: Codec.VP8, layers: LADDER });
          sending.push(sendLayers(bot, track, clips, stop.signal));
        }
        await viewer.page.waitForFunction(() => window.videocall.grid().pageCount === 2, null, {
          timeout: 30_000,
        });
        // Page 1: nine small tiles, every one decoding.
        await viewer.page
          .waitForFunction(
            () => {
              const grid = window.videocall.grid();
              const peers = window.videocall.peers();
              return (
                grid.visibleTiles.length === 9 &&
                grid.visibleTiles.every((key) => {
                  const [sessionId, trackId] = key.split(":").map(Number);
                  const track = peers[sessionId!]?.videoTracks.find((t) => t.trackId === trackId);
                  return (track?.framesDecoded ?? 0) > 15 && (track?.subscribedWidthPx ?? 0) > 0;
                })
              );
            },
            null,
            { timeout: 60_000, polling: 250 },
          )
          .catch(async (error) => {
            throw new Error(
              `page 1 should decode its 9 tiles: ${JSON.stringify(await viewer.page.evaluate(() => ({ grid: window.videocall.grid(), peers: window.videocall.peers() })))}`,
              { cause: error },
            );
          });
        await delay(1500); // switches in flight settle
        const grid1 = await viewer.page.evaluate(() => window.videocall.grid());
        const start1 = await videoTracks(viewer.page);
        await delay(3000);
        const end1 = await videoTracks(viewer.page);
        const received1 = framesBetween(start1, end1);
        const summary1 = [...end1].map(([key, track]) => ({
          key,
          layer: track.layer,
          size: `${track.width}x${track.height}`,
          tile: `${track.subscribedWidthPx}x${track.subscribedHeightPx}`,
          frames: received1.get(key),
        }));
        console.log(JSON.stringify({ page: 1, summary: summary1 }));
        const visible1 = new Set(grid1.visibleTiles);
        for (const [key, frames] of received1) {
          const total = frames.reduce((sum, n) => sum + n, 0);
          if (!visible1.has(key)) {
            ok(
              total === 0,
              `track ${key} is on the other page and receives nothing: ${JSON.stringify(frames)}`,
            );
            continue;
          }
          const track = end1.get(key)!;
          const wanted = layerForTile(track.subscribedWidthPx ?? 0, track.subscribedHeightPx ?? 0);
          ok(total > 20, `visible track ${key} receives video: ${JSON.stringify(frames)}`);
          ok(
            frames.every((count, layer) => count === 0 || layer === track.layer),
            `visible track ${key} receives one layer: ${JSON.stringify(frames)}`,
          );
          ok(track.layer <= wanted, `track ${key} gets layer ${track.layer}, its tile asks for ${wanted}`);
        }

        // Page 2, in a bigger window: two tiles, each large enough for layer 1 at least.
        await viewer.page.setViewportSize({ width: 2560, height: 1440 });
        await viewer.page.getByRole("button", { name: "Next" }).click();
        await viewer.page
          .waitForFunction(
            () => {
              const grid = window.videocall.grid();
              const peers = window.videocall.peers();
              return (
                grid.page === 1 &&
                grid.visibleTiles.length === 2 &&
                grid.visibleTiles.every((key) => {
                  const [sessionId, trackId] = key.split(":").map(Number);
                  const track = peers[sessionId!]?.videoTracks.find((t) => t.trackId === trackId);
                  return (track?.layer ?? 0) >= 1 && (track?.width ?? 0) >= 640;
                })
              );
            },
            null,
            { timeout: 30_000, polling: 250 },
          )
          .catch(async (error) => {
            throw new Error(
              `page 2's big tiles should switch up: ${JSON.stringify(await viewer.page.evaluate(() => ({ grid: window.videocall.grid(), peers: window.videocall.peers() })))}`,
              { cause: error },
            );
          });
        await delay(1500);
        const grid2 = await viewer.page.evaluate(() => window.videocall.grid());
        const start2 = await videoTracks(viewer.page);
        await delay(3000);
        const end2 = await videoTracks(viewer.page);
        const received2 = framesBetween(start2, end2);
        const summary2 = [...end2].map(([key, track]) => ({
          key,
          layer: track.layer,
          size: `${track.width}x${track.height}`,
          tile: `${track.subscribedWidthPx}x${track.subscribedHeightPx}`,
          frames: received2.get(key),
        }));
        console.log(JSON.stringify({ page: 2, summary: summary2 }));
        const visible2 = new Set(grid2.visibleTiles);
        for (const [key, frames] of received2) {
          const total = frames.reduce((sum, n) => sum + n, 0);
          if (!visible2.has(key)) {
            ok(total === 0, `track ${key} left the page and receives nothing: ${JSON.stringify(frames)}`);
            continue;
          }
          const track = end2.get(key)!;
          const wanted = layerForTile(track.subscribedWidthPx ?? 0, track.subscribedHeightPx ?? 0);
          ok(
            wanted >= 1,
            `a big tile asks for layer 1 or 2: ${track.subscribedWidthPx}x${track.subscribedHeightPx}`,
          );
          ok(
            track.layer === wanted,
            `track ${key} switched to layer ${track.layer}, its tile asks for ${wanted}`,
          );
          ok(
            frames.every((count, layer) => count === 0 || layer === track.layer),
            `one layer after the switch: ${JSON.stringify(frames)}`,
          );
        }
        const pageErrors = viewer.errors.filter((error) => error.startsWith("pageerror"));
        ok(pageErrors.length === 0, pageErrors.join("\n"));
        await viewer.page.screenshot({ path: "/tmp/simulcast-12-page2.png" }).catch(() => {});
      });
    } finally {
      stop.abort();
      await Promise.all(sending);
      await Promise.all(bots.map((bot) => bot.leave()));
      await Promise.race([browser?.close(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      await server.stop();
    }
  },
);

Deno.test(
  "`videocall stream --simulcast` stops the ffmpeg of a layer nobody receives",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    const cli = startCli([
      ...["stream", "--url", server.url, "--meeting-id", "cli-demand", "--user-id", "layered"],
      ...["--test-pattern", "--resolution", "640x360", "--fps", "15", "--simulcast", "--no-audio"],
      ...["--transport", "websocket"],
    ]);
    let watcher: MeetingSession | undefined;
    try {
      await withTimeout(async () => {
        await cli.waitForLog("streaming a test pattern", 20_000);
        watcher = await joinMeeting({
          serverUrl: server.url,
          username: "small-tile",
          meetingId: "cli-demand",
          reconnect: false,
        });
        const session = watcher;
        const layers = new Map<number, number>();
        let counting = false;
        session.events.on("media", (_from, media) => {
          if (counting && media.kind === MediaKind.VIDEO)
            layers.set(media.layer, (layers.get(media.layer) ?? 0) + 1);
        });
        const publisher = () => [...session.participants.values()].find((p) => p.username === "layered");
        await waitFor(
          "the CLI's two layers",
          () => publisher()?.tracks.some((t) => t.layers.length === 2) ?? false,
          20_000,
        );
        const track = publisher()!.tracks.find((t) => t.kind === MediaKind.VIDEO)!;
        session.setSubscriptions({
          mode: "explicit",
          tracks: [
            { sessionId: publisher()!.sessionId, trackId: track.trackId, widthPx: 320, heightPx: 180 },
          ],
        });
        await delay(1500);
        counting = true;
        await waitFor("layer 0 frames", () => (layers.get(0) ?? 0) >= 30, 20_000);
        ok(!layers.has(1), `only layer 0 arrives: ${JSON.stringify([...layers])}`);
        const result = await cli.interrupt();
        ok(result.code === 0, result.stderr);
        const stops = /layers stopped for want of receivers (\d+) times/.exec(result.stderr);
        ok(stops && Number(stops[1]) >= 1, `layer 1's ffmpeg was stopped: ${result.stderr}`);
      });
    } finally {
      await cli.interrupt();
      await watcher?.leave();
      await server.stop();
    }
  },
);
