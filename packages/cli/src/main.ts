/**
 * videocall command line. Parses flags (commander), then runs one command; every failure ends as
 * one line "error: …" on stderr and a non-zero exit code (2 for a wrong command line).
 */

import { resolve } from "node:path";
import { pathToFileURL as toFileUrl } from "node:url";
import type { TransportPreference } from "@videocall/client";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { runBots } from "./bots-command.ts";
import { CliError } from "./errors.ts";
import { type AudioSource, FRAME_FORMATS, type FrameFormat, type VideoSource } from "./ffmpeg.ts";
import { requireCamera, runInfo } from "./info-command.ts";
import { runReceive } from "./receive-command.ts";
import { runServe } from "./serve-command.ts";
import { runStream } from "./stream-command.ts";
import { runToken } from "./token-command.ts";

const VERSION = "0.1.0";

function integer(min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max)
      throw new InvalidArgumentError(`expected an integer in ${min}..${max}.`);
    return value;
  };
}

function seconds(raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 86_400 * 365)
    throw new InvalidArgumentError("expected a positive number of seconds.");
  return value;
}

function resolution(raw: string): { width: number; height: number } {
  const match = /^(\d{2,5})x(\d{2,5})$/.exec(raw);
  const width = Number(match?.[1]);
  const height = Number(match?.[2]);
  if (!match || width < 16 || height < 16 || width > 7680 || height > 4320 || width % 2 || height % 2)
    throw new InvalidArgumentError("expected WIDTHxHEIGHT with even sizes, e.g. 1280x720.");
  return { width, height };
}

function serverUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.includes("://") ? raw : `http://${raw}`);
  } catch {
    throw new InvalidArgumentError("expected a URL such as http://localhost:8080.");
  }
  if (!["http:", "https:", "ws:", "wss:"].includes(url.protocol))
    throw new InvalidArgumentError("expected an http(s):// or ws(s):// URL.");
  return url.origin;
}

/** `--frame-transform`: a module path (made absolute, as a file URL) or a URL, as both commands take it. */
function frameTransformFlag(raw: string | undefined): { frameTransform?: { moduleUrl: string } } {
  if (raw === undefined) return {};
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw) && !/^[a-z]:[\\/]/i.test(raw))
    return { frameTransform: { moduleUrl: raw } };
  try {
    Deno.statSync(raw);
  } catch {
    throw new CliError("bad-flags", `--frame-transform ${raw}: no such file`);
  }
  return { frameTransform: { moduleUrl: toFileUrl(resolve(raw)).href } };
}

const tokenOption = () =>
  new Option("--token <jwt>", "room token (videocall token, POST /api/tokens); default: join as a guest").env(
    "VIDEOCALL_TOKEN",
  );
const passwordOption = () =>
  new Option("--password <password>", "the meeting's password, if it has one").env(
    "VIDEOCALL_MEETING_PASSWORD",
  );

/** The credential flags as joinMeeting takes them. */
function credentialFlags(flags: { token?: string; password?: string }): {
  token?: string;
  password?: string;
} {
  return {
    ...(flags.token ? { token: flags.token } : {}),
    ...(flags.password ? { password: flags.password } : {}),
  };
}

const transportOption = () =>
  new Option(
    "--transport <kind>",
    "webtransport, websocket, or auto (WebTransport first, WebSocket fallback)",
  )
    .choices(["auto", "webtransport", "websocket"])
    .default("auto");

function buildProgram(
  stopSignal: AbortSignal,
  print: (line: string) => void,
  log: (line: string) => void,
): Command {
  const program = new Command("videocall")
    .description("videocall from the command line: stream, record, load-test, serve")
    .version(VERSION)
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ outputError: (text, write) => write(`${text.split("\n")[0]}\n`) });

  program
    .command("stream")
    .description("publish a test pattern, a media file or a V4L2 camera (+ microphone) into a meeting")
    .requiredOption("--url <server>", "server origin", serverUrl)
    .requiredOption("--meeting-id <id>", "meeting to join")
    .requiredOption("--user-id <name>", "name shown to the others")
    .option("--test-pattern", "send ffmpeg's testsrc2 pattern and a 440 Hz tone")
    .option("--file <path>", "send a media file, looped")
    .option("--video-device-index <n>", "V4L2 camera /dev/videoN (default 0)", integer(0, 255))
    .option("--resolution <WxH>", "video size", resolution, { width: 1280, height: 720 })
    .option("--fps <n>", "frames per second", integer(1, 120), 30)
    .addOption(
      new Option("--frame-format <format>", "camera pixel format").choices(Object.keys(FRAME_FORMATS)),
    )
    .option("--bitrate-kbps <n>", "video bitrate", integer(50, 20_000), 500)
    .addOption(new Option("--codec <codec>", "video codec").choices(["vp8", "vp9", "h264"]).default("vp8"))
    .option(
      "--cpu-used <n>",
      "libvpx speed (VP8: up to 16, VP9: up to 9; ignored for h264)",
      integer(0, 16),
      8,
    )
    .option("--keyframe-interval-ms <n>", "longest time between key frames", integer(100, 60_000), 2000)
    .option(
      "--simulcast",
      "publish 320x180, 640x360 and 1280x720 layers (those --resolution reaches), one ffmpeg each",
    )
    .option(
      "--audio-device <alsa>",
      "ALSA capture device, e.g. default or hw:1,0 (see info --list-audio-devices)",
    )
    .option("--no-audio", "send no audio")
    .option("--no-video", "send no video")
    .addOption(transportOption())
    .addOption(tokenOption())
    .addOption(passwordOption())
    .option("--seconds <n>", "stop after this long (default: until Ctrl-C)", seconds)
    .option("--frame-transform <module>", "ES module (path or URL) exporting createFrameTransform")
    .option("--e2ee-passphrase <passphrase>", "encrypt end to end with keys from this meeting passphrase")
    .option("--e2ee", "encrypt end to end with keys exchanged with the other participants")
    .action(async (flags) => {
      if ((flags.e2eePassphrase !== undefined || flags.e2ee) && flags.frameTransform !== undefined)
        throw new CliError(
          "bad-flags",
          "--e2ee / --e2ee-passphrase and --frame-transform cannot be combined",
        );
      const sources = [flags.testPattern, flags.file, flags.videoDeviceIndex !== undefined].filter(
        Boolean,
      ).length;
      if (sources > 1)
        throw new CliError("bad-flags", "choose one source: --test-pattern, --file or --video-device-index");
      if (flags.codec === "vp9" && flags.cpuUsed > 9)
        throw new CliError("bad-flags", "--cpu-used for vp9 is at most 9");
      if (!flags.video && !flags.audio)
        throw new CliError("bad-flags", "--no-video and --no-audio leave nothing to send");
      let video: VideoSource | undefined;
      let audio: AudioSource | undefined;
      if (flags.testPattern) {
        video = { kind: "test-pattern" };
        audio = { kind: "test-tone" };
      } else if (flags.file) {
        try {
          Deno.statSync(flags.file);
        } catch {
          throw new CliError("bad-flags", `--file ${flags.file}: no such file`);
        }
        video = { kind: "file", path: flags.file };
        audio = { kind: "file", path: flags.file };
      } else if (flags.video) {
        const camera = requireCamera(flags.videoDeviceIndex ?? 0);
        video = {
          kind: "camera",
          devicePath: camera.path,
          frameFormat: flags.frameFormat as FrameFormat | undefined,
        };
        audio = flags.audioDevice ? { kind: "alsa", device: flags.audioDevice } : undefined;
      } else if (flags.audioDevice) audio = { kind: "alsa", device: flags.audioDevice };
      else throw new CliError("bad-flags", "--no-video with a camera source needs --audio-device");
      const summary = await runStream(
        {
          serverUrl: flags.url,
          meetingId: flags.meetingId,
          userId: flags.userId,
          transport: flags.transport as TransportPreference,
          ...credentialFlags(flags),
          video: flags.video ? video : undefined,
          audio: flags.audio ? audio : undefined,
          encoding: {
            codec: flags.codec,
            ...flags.resolution,
            fps: flags.fps,
            bitrateKbps: flags.bitrateKbps,
            keyframeIntervalMs: flags.keyframeIntervalMs,
            cpuUsed: flags.cpuUsed,
          },
          durationSeconds: flags.seconds,
          ...frameTransformFlag(flags.frameTransform),
          ...(flags.e2eePassphrase !== undefined ? { e2eePassphrase: flags.e2eePassphrase } : {}),
          ...(flags.e2ee === true ? { e2eeExchange: true } : {}),
          ...(flags.simulcast === true ? { simulcast: true } : {}),
          log,
        },
        stopSignal,
      );
      if (summary.framesByLayer.length > 0)
        log(
          `simulcast: frames per layer ${summary.framesByLayer.join(" / ")}; layers stopped for want of receivers ${summary.layerStops} times`,
        );
      log(
        `left the meeting: sent ${summary.videoFramesSent} video frames, ${summary.audioPacketsSent} audio packets (${summary.videoFramesDropped} frames dropped, ${summary.keyframeRequests} key frame requests)`,
      );
    });

  program
    .command("receive")
    .description("join as a receiver and record the first publisher's video and audio into a WebM file")
    .requiredOption("--url <server>", "server origin", serverUrl)
    .requiredOption("--meeting-id <id>", "meeting to join")
    .requiredOption("--out <file.webm>", "file to write")
    .option("--user-id <name>", "name shown to the others", "recorder")
    .option("--seconds <n>", "record this long (default: until Ctrl-C)", seconds)
    .option("--wait-seconds <n>", "give up if no media arrives within this long", seconds, 30)
    .option("--frame-transform <module>", "ES module (path or URL) exporting createFrameTransform")
    .option("--e2ee-passphrase <passphrase>", "decrypt end to end with keys from this meeting passphrase")
    .option("--e2ee", "decrypt end to end with keys exchanged with the other participants")
    .addOption(transportOption())
    .addOption(tokenOption())
    .addOption(passwordOption())
    .action(async (flags) => {
      if ((flags.e2eePassphrase !== undefined || flags.e2ee) && flags.frameTransform !== undefined)
        throw new CliError(
          "bad-flags",
          "--e2ee / --e2ee-passphrase and --frame-transform cannot be combined",
        );
      const result = await runReceive(
        {
          serverUrl: flags.url,
          meetingId: flags.meetingId,
          userId: flags.userId,
          outPath: flags.out,
          durationSeconds: flags.seconds,
          waitSeconds: flags.waitSeconds,
          transport: flags.transport as TransportPreference,
          ...credentialFlags(flags),
          ...frameTransformFlag(flags.frameTransform),
          ...(flags.e2eePassphrase !== undefined ? { e2eePassphrase: flags.e2eePassphrase } : {}),
          ...(flags.e2ee === true ? { e2eeExchange: true } : {}),
          log,
        },
        stopSignal,
      );
      print(
        `wrote ${flags.out}: ${result.durationSeconds.toFixed(1)} s from "${result.publisher}", ${result.videoFrames} video frames${result.videoCodec ? ` (${result.videoCodec} ${result.width}x${result.height})` : ""}, ${result.audioPackets} Opus packets`,
      );
    });

  program
    .command("bots")
    .description(
      "load test: N synthetic participants in this process, K of them publishing; reports loss and latency",
    )
    .requiredOption("--url <server>", "server origin", serverUrl)
    .requiredOption("--meeting-id <id>", "meeting to join")
    .requiredOption("--count <n>", "participants", integer(1, 10_000))
    .option("--publishers <n>", "how many of them publish video and audio", integer(0, 10_000), 1)
    .option("--seconds <n>", "how long the publishers send", seconds, 10)
    .option("--video-bitrate-kbps <n>", "synthetic video bitrate per publisher", integer(10, 20_000), 500)
    .option("--fps <n>", "synthetic video frames per second", integer(1, 120), 30)
    .addOption(transportOption())
    .addOption(tokenOption())
    .addOption(passwordOption())
    .option("--json", "print the report as JSON")
    .action(async (flags) => {
      if (flags.publishers > flags.count)
        throw new CliError("bad-flags", "--publishers cannot exceed --count");
      const report = await runBots(
        {
          serverUrl: flags.url,
          meetingId: flags.meetingId,
          botCount: flags.count,
          publisherCount: flags.publishers,
          sendSeconds: flags.seconds,
          videoBitrateKbps: flags.videoBitrateKbps,
          fps: flags.fps,
          transport: flags.transport as TransportPreference,
          ...credentialFlags(flags),
          progress: (line) => {
            if (Deno.stderr.isTerminal()) Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${line}`));
          },
        },
        stopSignal,
      );
      if (Deno.stderr.isTerminal()) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
      print(flags.json ? JSON.stringify(report) : report.text);
    });

  program
    .command("token")
    .description("print a room token signed with an API key and secret (docs/tokens.md)")
    .addOption(
      new Option("--api-key <key>", "the server's --api-key").env("VIDEOCALL_API_KEY").makeOptionMandatory(),
    )
    .addOption(
      new Option("--api-secret <secret>", "the server's --api-secret")
        .env("VIDEOCALL_API_SECRET")
        .makeOptionMandatory(),
    )
    .requiredOption("--meeting <id>", "the one meeting the token opens")
    .requiredOption("--identity <id>", "stable identity of the holder, e.g. user-42")
    .option("--name <name>", "display name (default: the identity)")
    .addOption(
      new Option("--role <role>", "least role in the meeting")
        .choices(["participant", "cohost", "host"])
        .default("participant"),
    )
    .option(
      "--grants <list>",
      "comma-separated: publishAudio,publishVideo,publishScreen,subscribe,chat,admin (default: all but admin)",
    )
    .option("--guest", "mark the holder a guest (the meeting's guests-allowed setting applies)")
    .option("--ttl <seconds>", "lifetime in seconds", integer(1, 86_400), 3600)
    .action(async (flags) => {
      print(
        await runToken({
          apiKey: flags.apiKey,
          apiSecret: flags.apiSecret,
          meeting: flags.meeting,
          identity: flags.identity,
          name: flags.name,
          role: flags.role,
          grants: flags.grants,
          guest: flags.guest,
          ttlSeconds: flags.ttl,
        }),
      );
    });

  program
    .command("info")
    .description("list capture devices")
    .option("--list-cameras", "V4L2 cameras (/dev/video*)")
    .option("--list-audio-devices", "ALSA capture devices")
    .option("--list-formats", "pixel formats and sizes of a camera")
    .option("--video-device-index <n>", "camera for --list-formats", integer(0, 255), 0)
    .action(async (flags) => await runInfo(flags, print));

  program
    .command("serve")
    .description("run the relay server (as npm start); every flag goes to it, see: videocall serve --help")
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument("[server-flags...]")
    .action(async (args: string[]) => {
      const code = await runServe(args);
      if (code !== 0) throw new CliError("media-failed", `the server exited with code ${code}`);
    });

  return program;
}

async function main(args: string[]): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const print = (line: string) => console.log(line);
  const log = (line: string) => console.error(line);
  const program = buildProgram(stop.signal, print, log);
  try {
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed its one-line message (or the help/version) already.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CliError) {
      log(`error: ${error.message}`);
      return error.exitCode;
    }
    log(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
