/**
 * ffmpeg as the capture and encode stage: one child process per medium, writing a live container
 * (IVF for VP8/VP9, Annex-B for H.264, Ogg/Opus for audio) to its stdout. Codec knowledge of the CLI lives here and in
 * the container readers; the session only sees encoded frames.
 */
import { audioLevelFilter } from "./audio-level-lines.ts";
import { CliError } from "./errors.ts";
import type { VpxCodec } from "./vpx-bitstream.ts";

export type VideoSource =
  | { kind: "test-pattern" }
  | { kind: "file"; path: string }
  | { kind: "camera"; devicePath: string; frameFormat: FrameFormat | undefined };

export type AudioSource =
  | { kind: "test-tone" }
  | { kind: "file"; path: string }
  | { kind: "alsa"; device: string };

export const FRAME_FORMATS = { NV12: "nv12", YUYV: "yuyv422", MJPEG: "mjpeg" } as const;
export type FrameFormat = keyof typeof FRAME_FORMATS;

export type VideoCodecName = VpxCodec | "h264";

export interface VideoEncoding {
  codec: VideoCodecName;
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  /** Longest gap between key frames: a receiver that joins (or lost a key frame) waits at most this long. */
  keyframeIntervalMs: number;
  /** libvpx speed: higher is faster and lower quality (VP8 up to 16, VP9 up to 9 in realtime mode); unused by H.264. */
  cpuUsed: number;
}

export const OPUS_BITRATE_KBPS = 32;
export const OPUS_FRAME_DURATION_US = 20_000;

const COMMON = ["-hide_banner", "-loglevel", "error", "-nostdin"];

export function videoArguments(source: VideoSource, encoding: VideoEncoding): string[] {
  const size = `${encoding.width}x${encoding.height}`;
  const input =
    source.kind === "test-pattern"
      ? ["-re", "-f", "lavfi", "-i", `testsrc2=size=${size}:rate=${encoding.fps}`]
      : source.kind === "file"
        ? [
            "-stream_loop",
            "-1",
            "-re",
            "-i",
            source.path,
            "-map",
            "0:v:0",
            "-s",
            size,
            "-r",
            `${encoding.fps}`,
          ]
        : [
            ...["-f", "v4l2", "-thread_queue_size", "64"],
            ...(source.frameFormat ? ["-input_format", FRAME_FORMATS[source.frameFormat]] : []),
            ...["-video_size", size, "-framerate", `${encoding.fps}`, "-i", source.devicePath],
          ];
  const gopFrames = Math.max(1, Math.round((encoding.keyframeIntervalMs / 1000) * encoding.fps));
  const bitrate = [
    ...["-b:v", `${encoding.bitrateKbps}k`, "-maxrate", `${encoding.bitrateKbps}k`],
    ...["-bufsize", `${encoding.bitrateKbps}k`],
  ];
  const keyframes = ["-g", `${gopFrames}`, "-keyint_min", `${gopFrames}`];
  if (encoding.codec === "h264") {
    return [
      ...COMMON,
      ...input,
      "-an",
      "-pix_fmt",
      "yuv420p",
      // Baseline: no B-frames (so no reordering delay) and what every WebCodecs H.264 decoder takes.
      ...["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-profile:v", "baseline"],
      ...bitrate,
      // No scene-cut IDRs: key frames only on the interval, as with libvpx.
      ...keyframes,
      ...["-sc_threshold", "0"],
      // Raw Annex-B has no frame boundaries: an AUD before each picture lets AnnexBReader split it.
      ...["-bsf:v", "h264_metadata=aud=insert", "-f", "h264", "-flush_packets", "1", "pipe:1"],
    ];
  }
  const encoder =
    encoding.codec === "vp8"
      ? // One thread: libvpx's VP8 worker threads busy-wait for each other, which measured 5-10x the
        // CPU of one thread on a loaded 2-core machine; one thread encodes 720p30 in ~17 % of a core.
        ["-c:v", "libvpx", "-threads", "1"]
      : ["-c:v", "libvpx-vp9", "-row-mt", "1", "-threads", "2", "-tile-columns", "1"];
  return [
    ...COMMON,
    ...input,
    "-an",
    "-pix_fmt",
    "yuv420p",
    ...encoder,
    ...bitrate,
    ...["-deadline", "realtime", "-cpu-used", `${encoding.cpuUsed}`, "-lag-in-frames", "0"],
    ...keyframes,
    ...["-error-resilient", "1"],
    ...["-f", "ivf", "-flush_packets", "1", "pipe:1"],
  ];
}

export function audioArguments(source: AudioSource): string[] {
  const input =
    source.kind === "test-tone"
      ? ["-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
      : source.kind === "file"
        ? ["-stream_loop", "-1", "-re", "-i", source.path, "-map", "0:a:0"]
        : ["-f", "alsa", "-i", source.device];
  return [
    ...COMMON,
    ...input,
    "-vn",
    // Each 20 ms block's level, measured before the encoder, on stderr (audio-level-lines.ts).
    ...["-af", audioLevelFilter((48000 * OPUS_FRAME_DURATION_US) / 1_000_000)],
    ...["-ac", "1", "-ar", "48000", "-c:a", "libopus", "-b:a", `${OPUS_BITRATE_KBPS}k`],
    ...["-frame_duration", `${OPUS_FRAME_DURATION_US / 1000}`, "-application", "lowdelay"],
    // One Ogg page per 20 ms packet: the muxer's default page holds a second of audio.
    ...["-page_duration", `${OPUS_FRAME_DURATION_US}`, "-f", "ogg", "-flush_packets", "1", "pipe:1"],
  ];
}

/** Fails with the install hint when ffmpeg is not on PATH. */
export async function requireFfmpeg(): Promise<void> {
  try {
    const { success } = await new Deno.Command("ffmpeg", {
      args: ["-version"],
      stdout: "null",
      stderr: "null",
    }).output();
    if (success) return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  throw new CliError(
    "ffmpeg-missing",
    "ffmpeg is not installed; install it with: sudo apt-get install ffmpeg",
  );
}

/** A running ffmpeg: its stdout stream, the last lines it logged, and one way to stop it. */
export class FfmpegProcess {
  readonly stdout: ReadableStream<Uint8Array>;
  readonly exited: Promise<Deno.CommandStatus>;
  readonly pid: number;
  #child: Deno.ChildProcess;
  #stderrLines: string[] = [];
  #stopping = false;

  /** `onStderrLine` may claim a line ffmpeg prints (true): it is then not kept for `lastError`. */
  constructor(
    readonly label: string,
    args: string[],
    private readonly onStderrLine: (line: string) => boolean = () => false,
  ) {
    this.#child = new Deno.Command("ffmpeg", {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.pid = this.#child.pid;
    this.stdout = this.#child.stdout;
    this.exited = this.#child.status;
    this.#collectStderr();
  }

  get isStopping(): boolean {
    return this.#stopping;
  }

  /** What ffmpeg said last, for an error message. */
  lastError(): string {
    return this.#stderrLines.slice(-3).join(" / ");
  }

  /** SIGTERM (ffmpeg finishes cleanly), SIGKILL if it has not exited after a second. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const signal = (name: Deno.Signal) => {
      try {
        this.#child.kill(name);
      } catch {
        // already exited
      }
    };
    signal("SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), 1000);
    await this.exited;
    clearTimeout(timer);
  }

  async #collectStderr(): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of this.#child.stderr) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const trimmed = line.trim();
        if (trimmed.length > 0 && !this.onStderrLine(trimmed)) this.#stderrLines.push(trimmed);
      }
      if (this.#stderrLines.length > 20) this.#stderrLines.splice(0, this.#stderrLines.length - 20);
    }
    if (pending.trim()) this.#stderrLines.push(pending.trim());
  }
}

/** Names the cause of an ffmpeg that exited by itself: a device or format problem, or another failure. */
export function ffmpegFailure(process: FfmpegProcess, status: Deno.CommandStatus): CliError {
  const said = process.lastError() || `exit code ${status.code}`;
  if (/No such file or directory|No such device/i.test(said))
    return new CliError(
      "unknown-device",
      `${process.label}: ${said}; list devices with: videocall info ${process.label === "audio" ? "--list-audio-devices" : "--list-cameras"}`,
    );
  if (/not supported|Invalid argument|Cannot find a proper format|Could not find codec|size/i.test(said))
    return new CliError(
      "unsupported-format",
      `${process.label}: the device refused these settings (${said}); list them with: videocall info --list-formats`,
    );
  return new CliError("media-failed", `${process.label} (ffmpeg) stopped: ${said}`);
}
