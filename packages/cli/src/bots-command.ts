/**
 * `videocall bots`: a load test from one process, on the shared load generator (./load, the same
 * one the relay benchmark runs). N bots join one meeting; K of them publish a synthetic camera
 * (VP8-sized frames: a key frame every 2 s, deltas at the bitrate) and microphone (80-byte
 * Opus-sized packets every 20 ms). The relay never decodes media, so realistic sizes and rates
 * load it as real media would. Every bot counts what it receives; latency is the capture time in
 * the packet against the receive time, on the same clock since sender and receiver share a
 * process, and its percentiles come from an HdrHistogram of every delivery.
 */
import { ConnectionError, type TransportPreference } from "@videocall/client";
import { CloseCode } from "@videocall/protocol";
import { CliError, joinError } from "./errors.ts";
import { checkServerReachable } from "./join.ts";
import { LoadGenerator, LoadJoinError, mediaAtBitrate } from "./load/mod.ts";

export interface BotsOptions {
  /** Room token (docs/tokens.md); without one the server admits a guest, if it does. */
  token?: string;
  /** The meeting's password, if it has one. */
  password?: string;
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
  /** Absent when nothing was delivered (no publishers, or everything lost): no samples, no percentile. */
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  text: string;
}

const JOIN_CONCURRENCY = 10;
const CONNECT_TIMEOUT_MS = 10_000;
/** Before the measured send: presence and track announcements settle, so every bot is a subscriber. */
const SETTLE_SECONDS = 0.5;
/** After the last packet is sent, how long stragglers may take to arrive. */
const DRAIN_SECONDS = 1.5;
const PROGRESS_INTERVAL_MS = 500;

export async function runBots(options: BotsOptions, stopSignal: AbortSignal): Promise<BotsReport> {
  await checkServerReachable(options.serverUrl);
  const generator = new LoadGenerator({
    serverUrls: [options.serverUrl],
    participants: options.botCount,
    roomSize: options.botCount,
    publishersPerRoom: options.publisherCount,
    meetingIdOf: () => options.meetingId,
    usernameOf: (index) => `bot-${index + 1}`,
    transport: options.transport,
    media: mediaAtBitrate(options.videoBitrateKbps, options.fps),
    warmupSeconds: SETTLE_SECONDS,
    windowSeconds: options.sendSeconds,
    drainSeconds: DRAIN_SECONDS,
    joinConcurrency: JOIN_CONCURRENCY,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    signal: stopSignal,
    ...(options.token ? { token: options.token } : {}),
    ...(options.password ? { password: options.password } : {}),
  });
  const progressTimer = setInterval(() => {
    const { phase, joined, sentInWindow, expectedDeliveries, receivedDeliveries } = generator.progress();
    const lossPercent = expectedDeliveries
      ? (100 * Math.max(0, expectedDeliveries - receivedDeliveries)) / expectedDeliveries
      : 0;
    options.progress(
      `${phase}: ${joined}/${options.botCount} bots joined | sent ${sentInWindow} | delivered ${receivedDeliveries}/${expectedDeliveries} (loss so far ${lossPercent.toFixed(2)}%, in flight included)`,
    );
  }, PROGRESS_INTERVAL_MS);
  let result: Awaited<ReturnType<LoadGenerator["run"]>>;
  try {
    result = await generator.run();
  } catch (error) {
    if (!(error instanceof LoadJoinError)) throw error;
    throw (
      tooManyConnectionsError(error.cause, error.index, options.botCount) ??
      joinError(error.cause, options.serverUrl)
    );
  } finally {
    clearInterval(progressTimer);
  }

  const packetsSent = result.sentVideoInWindow + result.sentAudioInWindow;
  const packetsExpected = result.expectedDeliveries;
  const packetsDelivered = result.receivedDeliveries;
  const lossPercent = packetsExpected
    ? (100 * Math.max(0, packetsExpected - packetsDelivered)) / packetsExpected
    : 0;
  const latencyMs = (us: number | null) => (us === null ? undefined : round(us / 1000));
  const latencyP50Ms = latencyMs(result.latencyUs.p50);
  const latencyP99Ms = latencyMs(result.latencyUs.p99);
  const report = {
    bots: result.participants,
    publishers: options.publisherCount,
    transport: result.transport,
    sendSeconds: options.sendSeconds,
    joinP50Ms: round(result.joinMs.p50 ?? 0),
    joinMaxMs: round(result.joinMs.max ?? 0),
    packetsSent,
    packetsExpected,
    packetsDelivered,
    lossPercent: round(lossPercent, 3),
    ...(latencyP50Ms === undefined ? {} : { latencyP50Ms }),
    ...(latencyP99Ms === undefined ? {} : { latencyP99Ms }),
  };
  const latencyLine =
    latencyP50Ms === undefined || latencyP99Ms === undefined
      ? "latency (capture → receive): no packets delivered"
      : `latency (capture → receive): p50 ${latencyP50Ms} ms, p99 ${latencyP99Ms} ms`;
  const text = [
    `bots: ${report.bots} in meeting "${options.meetingId}" (${report.publishers} publishing) over ${report.transport}, ${report.sendSeconds} s`,
    `join time: p50 ${report.joinP50Ms} ms, max ${report.joinMaxMs} ms`,
    `packets: delivered ${report.packetsDelivered} / expected ${report.packetsExpected} (sent ${report.packetsSent}), loss ${report.lossPercent.toFixed(2)}%`,
    latencyLine,
  ].join("\n");
  return { ...report, text };
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
