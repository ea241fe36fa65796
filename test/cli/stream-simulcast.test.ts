/**
 * `videocall stream --simulcast`: one ffmpeg per layer, announced in TrackInfo.layers and sent with
 * Media.layer. Two client-library subscribers, capped to layer 0 and layer 1, each receive their
 * layer at its own size (read from the VP8 key frames).
 */
import { ok } from "node:assert/strict";
import { joinMeeting, MediaKind, type MeetingSession } from "@videocall/client";
import { vpxKeyframeInfo } from "../../packages/cli/src/vpx-bitstream.ts";
import { startServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";
import { startCli } from "./cli.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const MEETING = "cli-simulcast";
const MIN_FRAMES = 30;

Deno.test(
  "`videocall stream --simulcast` publishes 320x180 and 640x360 layers for a 640x360 pattern",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    const subscribers: MeetingSession[] = [];
    const cli = startCli([
      ...["stream", "--url", server.url, "--meeting-id", MEETING, "--user-id", "layered"],
      ...["--test-pattern", "--resolution", "640x360", "--fps", "15", "--simulcast", "--no-audio"],
      ...["--transport", "websocket"],
    ]);
    try {
      await cli.waitForLog("streaming a test pattern", 20_000);
      const layersSeen = [new Map<number, number>(), new Map<number, number>()];
      const sizes = [new Map<number, string>(), new Map<number, string>()];
      let counting = false;
      for (const maxLayer of [0, 1]) {
        const session = await joinMeeting({
          serverUrl: server.url,
          username: `watcher-${maxLayer}`,
          meetingId: MEETING,
          reconnect: false,
        });
        subscribers.push(session);
        session.events.on("media", (_from, media) => {
          if (!counting || media.kind !== MediaKind.VIDEO) return;
          layersSeen[maxLayer]!.set(media.layer, (layersSeen[maxLayer]!.get(media.layer) ?? 0) + 1);
          const info = media.keyframe ? vpxKeyframeInfo("vp8", media.payload) : undefined;
          if (info) sizes[maxLayer]!.set(media.layer, `${info.width}x${info.height}`);
        });
      }
      const publisherTrack = () =>
        [...subscribers[0]!.participants.values()]
          .find((participant) => participant.username === "layered")
          ?.tracks.find((track) => track.kind === MediaKind.VIDEO);
      await waitFor("the CLI's video track", () => publisherTrack() !== undefined, 20_000);
      const track = publisherTrack()!;
      const publisher = [...subscribers[0]!.participants.values()].find((p) => p.username === "layered")!;
      ok(
        JSON.stringify(
          track.layers.map((layer) => [layer.layer, layer.widthPx, layer.heightPx, layer.bitrateBps]),
        ) ===
          JSON.stringify([
            [0, 320, 180, 150_000],
            [1, 640, 360, 500_000],
          ]),
        `TrackInfo.layers: ${JSON.stringify(track.layers)}`,
      );
      for (const [maxLayer, session] of subscribers.entries()) {
        session.setSubscriptions({
          mode: "explicit",
          tracks: [
            {
              sessionId: publisher.sessionId,
              trackId: track.trackId,
              maxLayer,
              widthPx: maxLayer === 0 ? 320 : 640,
              heightPx: maxLayer === 0 ? 180 : 360,
            },
          ],
        });
      }
      // Frames sent before the caps reached the relay do not count.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      counting = true;
      await waitFor(
        "each subscriber's layer, with a key frame",
        () =>
          [0, 1].every(
            (layer) => (layersSeen[layer]!.get(layer) ?? 0) >= MIN_FRAMES && sizes[layer]!.has(layer),
          ),
        30_000,
      ).catch((error) => {
        throw new Error(`per subscriber: ${JSON.stringify(layersSeen.map((seen) => [...seen]))}`, {
          cause: error,
        });
      });
      ok(
        [...layersSeen[0]!.keys()].every((layer) => layer === 0),
        `capped at 0: ${JSON.stringify([...layersSeen[0]!])}`,
      );
      ok(sizes[0]!.get(0) === "320x180", `layer 0 size ${sizes[0]!.get(0)}`);
      ok(sizes[1]!.get(1) === "640x360", `layer 1 size ${sizes[1]!.get(1)}`);
      const result = await cli.interrupt();
      ok(result.code === 0, result.stderr);
      ok(/simulcast: frames per layer \d+ \/ \d+/.test(result.stderr), result.stderr);
    } finally {
      await cli.interrupt();
      await Promise.all(subscribers.map((session) => session.leave()));
      await server.stop();
    }
  },
);
