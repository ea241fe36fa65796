/**
 * How many simultaneous recordings one node carries (docs/recording.md). N meetings, each with one
 * library publisher sending synthetic VP8 (valid key frame headers, 30 fps) and Opus-sized audio
 * (50 packets/s) at about 500 kbps together, to one relay in this process. Each N runs twice:
 * without recording (the baseline) and with every meeting recorded. Prints the process CPU per
 * second of both, the ratio, and whether the writes kept up (packets written vs sent, the most
 * writes ever queued, bytes on disk). Publishers and relay share the process, so the difference is
 * the recorders' own cost.
 *
 *   deno run --config deno.json -A --unstable-net bench/recording/main.ts [--meetings 1,4,8] [--seconds 10]
 */
import process from "node:process";
import { Codec, joinMeeting, MediaKind, type MeetingSession } from "@videocall/client";
import { DEFAULT_RELAY_LIMITS } from "../../packages/server/src/limits/relay-limits.ts";
import { type RunningServer, startServer } from "../../packages/server/src/server.ts";

const args = Deno.args;
const flag = (name: string, fallback: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] ? args[index + 1]! : fallback;
};
const MEETING_COUNTS = flag("meetings", "1,4,8").split(",").map(Number);
const SECONDS = Number(flag("seconds", "10"));
const VIDEO_BITS_PER_SECOND = 468_000;
const AUDIO_BITS_PER_SECOND = 32_000;
const FPS = 30;
const KEYFRAME_INTERVAL_FRAMES = 60;

/** A VP8 frame the recorder's header reader accepts: key frames carry 320x240. */
function vp8Frame(keyframe: boolean, bytes: number): Uint8Array {
  const frame = new Uint8Array(bytes);
  if (keyframe) frame.set([0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 320 & 0xff, 320 >> 8, 240 & 0xff, 240 >> 8]);
  else frame[0] = 0x01;
  return frame;
}

class Publisher {
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  videoFrames = 0;
  audioPackets = 0;

  constructor(readonly session: MeetingSession) {
    session.publishTrack({ trackId: 1, kind: MediaKind.AUDIO, codec: Codec.OPUS });
    session.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 });
    let frame = 0;
    let keyframeWanted = true;
    session.events.on("keyframeRequested", () => {
      keyframeWanted = true;
    });
    const deltaBytes = Math.round(VIDEO_BITS_PER_SECOND / 8 / FPS / 1.1);
    this.#timers.push(
      setInterval(() => {
        const keyframe = keyframeWanted || frame % KEYFRAME_INTERVAL_FRAMES === 0;
        keyframeWanted = false;
        frame++;
        this.send(2, {
          keyframe,
          captureTimeUs: Date.now() * 1000,
          payload: vp8Frame(keyframe, keyframe ? deltaBytes * 4 : deltaBytes),
        });
        this.videoFrames++;
      }, 1000 / FPS),
      setInterval(() => {
        this.send(1, {
          keyframe: true,
          captureTimeUs: Date.now() * 1000,
          durationUs: 20_000,
          payload: new Uint8Array(AUDIO_BITS_PER_SECOND / 8 / 50),
        });
        this.audioPackets++;
      }, 20),
    );
  }

  stop(): void {
    for (const timer of this.#timers) clearInterval(timer);
  }

  /** A session the server closed stops sending instead of throwing from its timers. */
  send(trackId: number, frame: Parameters<MeetingSession["sendFrame"]>[1]): void {
    try {
      this.session.sendFrame(trackId, frame);
    } catch {
      this.stop();
      console.error(`a publisher's session closed: ${this.session.username}`);
    }
  }
}

interface RunResult {
  cpuPercent: number;
  writtenShare: number;
  maxPendingWrites: number;
  megabytesOnDisk: number;
}

async function run(
  server: RunningServer,
  meetings: number,
  record: boolean,
  tag: string,
): Promise<RunResult> {
  const publishers: Publisher[] = [];
  for (let i = 0; i < meetings; i++) {
    const session = await joinMeeting({
      serverUrl: server.url,
      username: `pub${i}`,
      meetingId: `${tag}-${i}`,
      transport: "websocket",
      reconnect: false,
      connectTimeoutMs: 30_000,
    });
    publishers.push(new Publisher(session));
  }
  if (record) {
    for (const publisher of publishers) {
      const result = await publisher.session.hostCommand({ case: "record", value: { start: true } });
      if (!result.ok) throw new Error(`record refused: ${result.error}`);
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 1000)); // settle: joins, first key frames
  const sentBefore = publishers.reduce((sum, p) => sum + p.videoFrames + p.audioPackets, 0);
  const cpuBefore = process.cpuUsage();
  const startedMs = performance.now();
  let maxPendingWrites = 0;
  const sampler = setInterval(() => {
    let pending = 0;
    for (let i = 0; i < meetings; i++)
      pending += server.recordings?.recorder(`${tag}-${i}`)?.pendingWrites ?? 0;
    maxPendingWrites = Math.max(maxPendingWrites, pending);
  }, 100);
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedMs = performance.now() - startedMs;
  const sent = publishers.reduce((sum, p) => sum + p.videoFrames + p.audioPackets, 0) - sentBefore;
  let written = 0;
  if (record) {
    for (let i = 0; i < meetings; i++) {
      await publishers[i]!.session.hostCommand({ case: "record", value: { start: false } });
    }
  }
  for (const publisher of publishers) {
    publisher.stop();
    await publisher.session.leave();
  }
  let bytes = 0;
  if (record) {
    for (let i = 0; i < meetings; i++) {
      for (const file of await server.recordings!.list(`${tag}-${i}`)) bytes += file.bytes;
    }
    // ~ bytes per packet sent: the file should hold about all of them (1 s of settling included).
    written = bytes / ((VIDEO_BITS_PER_SECOND + AUDIO_BITS_PER_SECOND) / 8) / (SECONDS + 1) / meetings;
  }
  if (sent === 0) throw new Error("nothing was sent");
  return {
    cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
    writtenShare: written,
    maxPendingWrites,
    megabytesOnDisk: bytes / 1e6,
  };
}

const recordingsDir = await Deno.makeTempDir({ prefix: "bench-recordings-" });
const server = await startServer({
  hostname: "127.0.0.1",
  port: 0,
  webRoot: new URL("../../packages/web/dist", import.meta.url).pathname,
  heartbeatTimeoutMs: 30_000,
  webTransportPort: false,
  recordingsDir,
  // Publishers and recorders all connect from 127.0.0.1: the default 32 per IP would cap the run at 16 meetings.
  limits: { ...DEFAULT_RELAY_LIMITS, maxConnectionsPerIp: 10_000 },
});
try {
  await server.database.ready;
  console.log(`recording bench: ${SECONDS} s per run, ~500 kbps per meeting (VP8 30 fps + Opus 50 pps)`);
  console.log(
    "meetings | CPU without | CPU recording | ratio | on disk / sent | max queued writes | MB written",
  );
  for (const meetings of MEETING_COUNTS) {
    const baseline = await run(server, meetings, false, `base${meetings}`);
    const recorded = await run(server, meetings, true, `rec${meetings}`);
    console.log(
      [
        String(meetings).padStart(8),
        `${baseline.cpuPercent.toFixed(1)} %`.padStart(11),
        `${recorded.cpuPercent.toFixed(1)} %`.padStart(13),
        (recorded.cpuPercent / baseline.cpuPercent).toFixed(2).padStart(5),
        `${(recorded.writtenShare * 100).toFixed(0)} %`.padStart(14),
        String(recorded.maxPendingWrites).padStart(17),
        recorded.megabytesOnDisk.toFixed(1).padStart(10),
      ].join(" | "),
    );
  }
} finally {
  await server.shutdown();
  await Deno.remove(recordingsDir, { recursive: true }).catch(() => {});
}
