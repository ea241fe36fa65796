/**
 * `videocall bots`: a load test from one process. N bots join one meeting; K of them publish a
 * synthetic camera (VP8-sized frames: a key frame every 2 s, deltas at the bitrate) and microphone
 * (80-byte Opus-sized packets every 20 ms). The relay never decodes media, so realistic sizes and
 * rates load it as real media would. Every bot counts what it receives; latency is the capture time
 * in the packet against the receive time, on the same clock since sender and receiver share a process.
 */
import {
  Codec,
  ConnectionError,
  MediaKind,
  type MeetingSession,
  nowMicros,
  type TransportPreference,
} from "@videocall/client";
import { CloseCode } from "@videocall/protocol";
import { CliError } from "./errors.ts";
import { joinAs } from "./join.ts";
import { percentile } from "./stats.ts";

export interface BotsOptions {
  serverUrl: string;
  meetingId: string;
  botCount: number;
  publisherCount: number;
  sendSeconds: number;
  videoBitrateKbps: number;
  fps: number;
  transport: TransportPreference;
  progress: (line: string) => void;
}

export interface BotsReport {
  bots: number;
  publishers: number;
  transport: string;
  sendSeconds: number;
  joinP50Ms: number;
  joinMaxMs: number;
  packetsSent: number;
  packetsExpected: number;
  packetsDelivered: number;
  lossPercent: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  text: string;
}

const AUDIO_TRACK_ID = 1;
const VIDEO_TRACK_ID = 2;
const AUDIO_INTERVAL_MS = 20;
const AUDIO_PACKET_BYTES = 80;
const KEYFRAME_INTERVAL_MS = 2000;
/** A VP8 key frame at these bitrates is about six delta frames. */
const KEYFRAME_TO_DELTA_RATIO = 6;
const JOIN_CONCURRENCY = 10;
/** After the last packet is sent, how long stragglers may take to arrive. */
const DRAIN_MS = 1500;
const PROGRESS_INTERVAL_MS = 500;

interface Bot {
  index: number;
  session: MeetingSession;
  joinMs: number;
}

export async function runBots(options: BotsOptions, stopSignal: AbortSignal): Promise<BotsReport> {
  const bots: Bot[] = [];
  let packetsDelivered = 0;
  const latenciesMs: number[] = [];
  const publisherSessions = new Set<number>();
  let measuring = false;
  let sentPackets = 0;
  let phase = "joining";
  const progressTimer = setInterval(() => {
    const expected = sentPackets * (options.botCount - 1);
    const lossPercent = expected ? (100 * Math.max(0, expected - packetsDelivered)) / expected : 0;
    options.progress(
      `${phase}: ${bots.length}/${options.botCount} bots joined | sent ${sentPackets} | delivered ${packetsDelivered}/${expected} (loss so far ${lossPercent.toFixed(2)}%, in flight included)`,
    );
  }, PROGRESS_INTERVAL_MS);

  const onMedia = (from: number, captureTimeUs: bigint) => {
    if (!measuring || !publisherSessions.has(from)) return;
    packetsDelivered++;
    latenciesMs.push((nowMicros() - Number(captureTimeUs)) / 1000);
  };

  try {
    // Join in small concurrent batches, as people arriving at a meeting would, not all in one instant.
    let next = 0;
    const joinOne = async (): Promise<void> => {
      while (next < options.botCount && !stopSignal.aborted) {
        const index = next++;
        const startedMs = performance.now();
        const session = await joinAs({
          serverUrl: options.serverUrl,
          username: `bot-${index + 1}`,
          meetingId: options.meetingId,
          transport: options.transport,
          reconnect: false,
        }).catch((error: unknown) => {
          throw tooManyConnectionsError(error, index, options.botCount) ?? error;
        });
        session.events.on("media", (from, media) => onMedia(from, media.captureTimeUs));
        bots.push({ index, session, joinMs: performance.now() - startedMs });
      }
    };
    await Promise.all(Array.from({ length: Math.min(JOIN_CONCURRENCY, options.botCount) }, joinOne));
    bots.sort((a, b) => a.index - b.index);
    const publishers = bots.slice(0, options.publisherCount);
    for (const bot of publishers) {
      publisherSessions.add(bot.session.sessionId);
      bot.session.publishTrack({ trackId: AUDIO_TRACK_ID, kind: MediaKind.AUDIO, codec: Codec.OPUS });
      bot.session.publishTrack({ trackId: VIDEO_TRACK_ID, kind: MediaKind.VIDEO, codec: Codec.VP8 });
    }
    // Let presence and track announcements settle, so every bot is a subscriber before the first packet.
    await delay(500);
    measuring = true;
    phase = "sending";
    sentPackets = await sendSynthetic(publishers, options, stopSignal);
    phase = "draining";
    await delay(DRAIN_MS);
    measuring = false;
  } finally {
    clearInterval(progressTimer);
    await Promise.all(bots.map((bot) => bot.session.leave()));
  }

  const joinTimesMs = bots.map((bot) => bot.joinMs);
  const packetsExpected = sentPackets * (options.botCount - 1);
  const lossPercent = packetsExpected
    ? (100 * Math.max(0, packetsExpected - packetsDelivered)) / packetsExpected
    : 0;
  const transport = bots[0]?.session.transportKind ?? options.transport;
  const report = {
    bots: bots.length,
    publishers: options.publisherCount,
    transport,
    sendSeconds: options.sendSeconds,
    joinP50Ms: round(percentile(joinTimesMs, 0.5)),
    joinMaxMs: round(Math.max(0, ...joinTimesMs)),
    packetsSent: sentPackets,
    packetsExpected,
    packetsDelivered,
    lossPercent: round(lossPercent, 3),
    latencyP50Ms: round(percentile(latenciesMs, 0.5)),
    latencyP99Ms: round(percentile(latenciesMs, 0.99)),
  };
  const text = [
    `bots: ${report.bots} in meeting "${options.meetingId}" (${report.publishers} publishing) over ${transport}, ${report.sendSeconds} s`,
    `join time: p50 ${report.joinP50Ms} ms, max ${report.joinMaxMs} ms`,
    `packets: delivered ${report.packetsDelivered} / expected ${report.packetsExpected} (sent ${report.packetsSent}), loss ${report.lossPercent.toFixed(2)}%`,
    `latency (capture → receive): p50 ${report.latencyP50Ms} ms, p99 ${report.latencyP99Ms} ms`,
  ].join("\n");
  return { ...report, text };
}

/** Sends video and audio from every publisher on their schedules; returns the packets sent. */
async function sendSynthetic(
  publishers: Bot[],
  options: BotsOptions,
  stopSignal: AbortSignal,
): Promise<number> {
  if (publishers.length === 0) {
    await Promise.race([delay(options.sendSeconds * 1000), aborted(stopSignal)]);
    return 0;
  }
  const deltaBytes = Math.max(
    200,
    Math.round(
      (options.videoBitrateKbps * 1000) / 8 / options.fps / (1 + KEYFRAME_TO_DELTA_RATIO / (options.fps * 2)),
    ),
  );
  const keyframe = filled(deltaBytes * KEYFRAME_TO_DELTA_RATIO, 0x10); // bit 0 clear: a VP8 key frame tag
  const delta = filled(deltaBytes, 0x11);
  const audio = filled(AUDIO_PACKET_BYTES, 0xfc);
  const frameIntervalMs = 1000 / options.fps;
  const framesPerKeyframe = Math.max(1, Math.round(KEYFRAME_INTERVAL_MS / frameIntervalMs));
  const startMs = performance.now();
  const endMs = startMs + options.sendSeconds * 1000;
  // Publishers start spread over one frame interval, as independent cameras would.
  const state = publishers.map((bot, i) => ({
    bot,
    offsetMs: (i * frameIntervalMs) / publishers.length,
    videoFrames: 0,
    audioPackets: 0,
  }));
  let sent = 0;
  while (!stopSignal.aborted) {
    const nowMs = performance.now();
    if (nowMs >= endMs) break;
    for (const publisher of state) {
      const elapsedMs = nowMs - startMs - publisher.offsetMs;
      if (elapsedMs < 0) continue;
      const { session } = publisher.bot;
      while (publisher.videoFrames * frameIntervalMs <= elapsedMs) {
        const isKey = publisher.videoFrames % framesPerKeyframe === 0;
        session.sendFrame(VIDEO_TRACK_ID, {
          keyframe: isKey,
          captureTimeUs: nowMicros(),
          durationUs: Math.round(frameIntervalMs * 1000),
          payload: isKey ? keyframe : delta,
        });
        publisher.videoFrames++;
        sent++;
      }
      while (publisher.audioPackets * AUDIO_INTERVAL_MS <= elapsedMs) {
        session.sendFrame(AUDIO_TRACK_ID, {
          keyframe: true,
          captureTimeUs: nowMicros(),
          durationUs: AUDIO_INTERVAL_MS * 1000,
          payload: audio,
        });
        publisher.audioPackets++;
        sent++;
      }
    }
    await delay(5);
  }
  return sent;
}

function filled(bytes: number, first: number): Uint8Array {
  const payload = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) payload[i] = (i * 131 + 7) & 0xff;
  payload[0] = first;
  return payload;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** All bots connect from one IP: the relay's per-IP limit (4007) is the likely wall, so name the flag. */
function tooManyConnectionsError(error: unknown, index: number, botCount: number): CliError | undefined {
  const cause = error instanceof CliError ? error.cause : error;
  if (!(cause instanceof ConnectionError) || cause.closeCode !== CloseCode.tooManyConnections)
    return undefined;
  return new CliError(
    "rejected",
    `the server refused bot ${index + 1} of ${botCount}: too many connections from one IP (code 4007); start the server with a higher --max-connections-per-ip`,
    { cause },
  );
}
