/**
 * One measured call through the impairment proxy: a publisher sends a synthetic camera (VP8-sized
 * frames at a bitrate, a key frame every 2 s) and microphone (80-byte packets every 20 ms) for
 * `seconds`; a subscriber on the same proxy counts what arrives. Both join at the proxy, so the media
 * crosses the impaired uplink and then the impaired downlink, as between two people on the same
 * kind of network. Sender and receiver share this process's clock, so latency is capture → arrival.
 */
import { Codec, joinMeeting, MediaKind, type TransportKind } from "@videocall/client";
import { mediaAtBitrate } from "../../packages/cli/src/load/synthetic-media.ts";
import { waitFor } from "../../test/fixtures/wait.ts";

export interface CallFigures {
  transport: TransportKind;
  videoFramesSent: number;
  videoFramesReceived: number;
  /** Received video frames per second of the window. */
  deliveredFps: number;
  /** Share of the window spent in gaps of more than FREEZE_GAP_MS without a new frame. */
  freezeRatio: number;
  freezes: number;
  /** Capture → arrival of video frames. */
  videoLatencyP50Ms: number | null;
  videoLatencyP95Ms: number | null;
  audioPacketsSent: number;
  audioPacketsReceived: number;
  audioLatencyP50Ms: number | null;
}

/** Issue 13's freeze: no new frame for more than 200 ms. */
export const FREEZE_GAP_MS = 200;
const AUDIO_INTERVAL_MS = 20;
/** After the last frame, how long stragglers may take (retransmissions, a drained queue). */
const DRAIN_MS = 3000;

export interface CallOptions {
  serverUrl: string;
  meetingId: string;
  transport: TransportKind;
  seconds: number;
  videoBitrateKbps: number;
  fps: number;
}

export async function measureCall(options: CallOptions): Promise<CallFigures> {
  const join = (username: string) =>
    joinMeeting({
      serverUrl: options.serverUrl,
      username,
      meetingId: options.meetingId,
      transport: options.transport,
      connectTimeoutMs: 20_000,
    });
  const publisher = await join("publisher");
  const subscriber = await join("subscriber");
  const videoArrivalsMs: number[] = [];
  const videoLatenciesMs: number[] = [];
  const audioLatenciesMs: number[] = [];
  try {
    await waitFor("the subscriber to see the publisher", () => subscriber.participants.size === 1, 20_000);
    subscriber.events.on("media", (_from, media) => {
      const latencyMs = Date.now() - Number(media.captureTimeUs) / 1000;
      if (media.kind === MediaKind.VIDEO) {
        videoArrivalsMs.push(performance.now());
        videoLatenciesMs.push(latencyMs);
      } else if (media.kind === MediaKind.AUDIO) {
        audioLatenciesMs.push(latencyMs);
      }
    });
    publisher.publishTrack({ trackId: 1, kind: MediaKind.AUDIO, codec: Codec.OPUS });
    publisher.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 });
    await new Promise((resolve) => setTimeout(resolve, 500)); // the announcements arrive first
    const media = mediaAtBitrate(options.videoBitrateKbps, options.fps);
    const frameIntervalMs = 1000 / options.fps;
    const startMs = performance.now();
    const endMs = startMs + options.seconds * 1000;
    let videoFramesSent = 0;
    let audioPacketsSent = 0;
    // One timer at the audio rate; video frames go out when their time has come.
    while (performance.now() < endMs) {
      const nowMs = performance.now();
      const audioDue = Math.floor((nowMs - startMs) / AUDIO_INTERVAL_MS) + 1;
      for (; audioPacketsSent < audioDue; audioPacketsSent++) {
        publisher.sendFrame(1, {
          keyframe: false,
          captureTimeUs: Date.now() * 1000,
          payload: new Uint8Array(media.audioPacketBytes),
        });
      }
      const videoDue = Math.floor((nowMs - startMs) / frameIntervalMs) + 1;
      for (; videoFramesSent < videoDue; videoFramesSent++) {
        const keyframe = videoFramesSent % media.keyframeIntervalFrames === 0;
        publisher.sendFrame(2, {
          keyframe,
          captureTimeUs: Date.now() * 1000,
          payload: new Uint8Array(keyframe ? media.videoKeyframeBytes : media.videoDeltaBytes),
        });
      }
      await new Promise((resolve) => setTimeout(resolve, AUDIO_INTERVAL_MS / 2));
    }
    await waitFor("the last frames", () => videoArrivalsMs.length >= videoFramesSent, DRAIN_MS).catch(
      () => {},
    );
    return {
      transport: options.transport,
      videoFramesSent,
      videoFramesReceived: videoArrivalsMs.length,
      deliveredFps: videoArrivalsMs.filter((atMs) => atMs <= endMs).length / options.seconds,
      ...freezes(videoArrivalsMs, startMs, endMs),
      videoLatencyP50Ms: percentile(videoLatenciesMs, 0.5),
      videoLatencyP95Ms: percentile(videoLatenciesMs, 0.95),
      audioPacketsSent,
      audioPacketsReceived: audioLatenciesMs.length,
      audioLatencyP50Ms: percentile(audioLatenciesMs, 0.5),
    };
  } finally {
    await publisher.leave().catch(() => {});
    await subscriber.leave().catch(() => {});
  }
}

/**
 * Freezes over [startMs, endMs]: every gap between frames (and from the start to the first frame's
 * expected arrival, and from the last to the end) longer than FREEZE_GAP_MS counts whole.
 */
function freezes(
  arrivalsMs: number[],
  startMs: number,
  endMs: number,
): { freezeRatio: number; freezes: number } {
  const inWindow = arrivalsMs.filter((atMs) => atMs >= startMs && atMs <= endMs);
  // The first frame needs its one-way trip: measure from it, and from it to the end.
  const firstMs = inWindow[0];
  if (firstMs === undefined) return { freezeRatio: 1, freezes: 1 };
  const points = [...inWindow, endMs];
  let frozenMs = 0;
  let count = 0;
  for (let i = 1; i < points.length; i++) {
    const gapMs = points[i]! - points[i - 1]!;
    if (gapMs > FREEZE_GAP_MS) {
      frozenMs += gapMs;
      count++;
    }
  }
  return { freezeRatio: frozenMs / (endMs - firstMs), freezes: count };
}

function percentile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
