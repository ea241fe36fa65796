/**
 * `videocall stream`: captures (test pattern, file or V4L2 camera + ALSA microphone), encodes with
 * ffmpeg and publishes into a meeting as a video and an audio LocalTrack (ids allocated by the
 * session). Every frame goes through the frame-transform seam (`--frame-transform`, identity by
 * default), as in the web client's encoder worker.
 *
 * Key frame requests: the encoder makes a key frame every `--keyframe-interval-ms` (2 s by default)
 * and requests are only counted. ffmpeg cannot be told to make one at run time, and restarting it
 * would cost ~100-150 ms of black video, reopen the camera and restart a file from its beginning:
 * a late joiner waits at most one interval instead.
 *
 * `--simulcast`: one ffmpeg per layer of the browser's ladder (320×180, 640×360, 1280×720 at 150,
 * 500 and 1500 kb/s, those the resolution reaches), each its own encoder, announced in
 * TrackInfo.layers and sent with Media.layer. LayerDemand is honoured by stopping the ffmpeg of a
 * layer nobody receives and starting it again when someone does (its first frame is a key frame).
 * A V4L2 camera opens once, so simulcast takes a test pattern or a file.
 */
import {
  Codec,
  type FrameTransformSpec,
  type LocalTrack,
  type LocalVideoLayer,
  MediaKind,
  type MeetingSession,
  nowMicros,
  OrderedFrameTransform,
  simulcastLayers,
  type TransportPreference,
} from "@videocall/client";
import { AnnexBReader } from "./annexb-reader.ts";
import { AudioLevelLines } from "./audio-level-lines.ts";
import { CliError } from "./errors.ts";
import {
  type AudioSource,
  audioArguments,
  FfmpegProcess,
  ffmpegFailure,
  OPUS_FRAME_DURATION_US,
  requireFfmpeg,
  type VideoCodecName,
  type VideoEncoding,
  type VideoSource,
  videoArguments,
} from "./ffmpeg.ts";
import { IvfReader } from "./ivf-reader.ts";
import { cliE2ee, joinAs, sessionFrameTransform } from "./join.ts";
import { OggOpusReader } from "./ogg-opus-reader.ts";
import { isVpxKeyframe } from "./vpx-bitstream.ts";

/** Past this much unsent data, delta frames are dropped until the next key frame (a slow uplink). */
const MAX_BUFFERED_BYTES = 1_000_000;
const WIRE_CODECS: Record<VideoCodecName, Codec> = { vp8: Codec.VP8, vp9: Codec.VP9, h264: Codec.H264 };

export interface StreamOptions {
  /** Room token (docs/tokens.md); without one the server admits a guest, if it does. */
  token?: string;
  /** The meeting's password, if it has one. */
  password?: string;
  serverUrl: string;
  meetingId: string;
  userId: string;
  transport: TransportPreference;
  video: VideoSource | undefined;
  audio: AudioSource | undefined;
  encoding: VideoEncoding;
  /** Stop after this long; undefined runs until Ctrl-C. */
  durationSeconds: number | undefined;
  /** Applied to every encoded frame before it is sent (identity when undefined). */
  frameTransform?: FrameTransformSpec;
  /** Encrypt end to end with keys from this meeting passphrase (`--e2ee-passphrase`). */
  e2eePassphrase?: string;
  /** Encrypt end to end with keys exchanged with the others (`--e2ee`). */
  e2eeExchange?: boolean;
  /** Publish the simulcast ladder, one ffmpeg per layer (`--simulcast`). */
  simulcast?: boolean;
  log: (line: string) => void;
}

export interface StreamSummary {
  videoFramesSent: number;
  audioPacketsSent: number;
  videoFramesDropped: number;
  keyframeRequests: number;
  /** Frames the frame transform refused. */
  transformErrors: number;
  /** Simulcast: frames sent per layer, and how often a layer's encoder was stopped for want of receivers. */
  framesByLayer: number[];
  layerStops: number;
}

export async function runStream(options: StreamOptions, stopSignal: AbortSignal): Promise<StreamSummary> {
  if (options.simulcast && options.video?.kind === "camera")
    throw new CliError(
      "bad-flags",
      "--simulcast takes --test-pattern or --file (a V4L2 camera opens only once)",
    );
  await requireFfmpeg();
  const session = await joinAs({
    serverUrl: options.serverUrl,
    ...(options.token ? { token: options.token } : {}),
    ...(options.password ? { password: options.password } : {}),
    username: options.userId,
    meetingId: options.meetingId,
    transport: options.transport,
    ...cliE2ee(options.e2eePassphrase, options.e2eeExchange),
  });
  if (session.e2ee)
    options.log(`media is end-to-end encrypted (${session.e2ee.mode} mode): the server forwards ciphertext`);
  options = { ...options, frameTransform: sessionFrameTransform(session, options.frameTransform) };
  const summary: StreamSummary = {
    videoFramesSent: 0,
    audioPacketsSent: 0,
    videoFramesDropped: 0,
    keyframeRequests: 0,
    transformErrors: 0,
    framesByLayer: [],
    layerStops: 0,
  };
  session.events.on("keyframeRequested", () => summary.keyframeRequests++);
  session.events.on("reconnecting", (attempt, delayMs, reason) =>
    options.log(`connection lost (${reason}); reconnecting, attempt ${attempt} in ${Math.round(delayMs)} ms`),
  );
  session.events.on("reconnected", (transport) => options.log(`reconnected over ${transport}`));

  const audioTrack = options.audio
    ? new TransformedTrack(
        session.publishTrack({ kind: MediaKind.AUDIO, codec: Codec.OPUS, audioLevels: true }),
        options,
        summary,
      )
    : undefined;
  const layers = options.simulcast ? simulcastLayers(options.encoding.width, options.encoding.height) : [];
  const videoTrack = options.video
    ? new TransformedTrack(
        session.publishTrack({ kind: MediaKind.VIDEO, codec: WIRE_CODECS[options.encoding.codec], layers }),
        options,
        summary,
      )
    : undefined;

  const processes: FfmpegProcess[] = [];
  const failure = Promise.withResolvers<CliError>();
  let simulcast: SimulcastEncoders | undefined;
  if (options.video && videoTrack && layers.length > 0) {
    simulcast = new SimulcastEncoders(options.video, options.encoding, layers, (ffmpeg, layer) => {
      pumpVideo(ffmpeg, session, videoTrack, options.encoding, summary, layer).catch((error) => {
        if (!ffmpeg.isStopping) failure.resolve(asMediaError(error));
      });
      ffmpeg.exited.then((status) => {
        if (!ffmpeg.isStopping) failure.resolve(ffmpegFailure(ffmpeg, status));
      });
    });
    summary.framesByLayer = layers.map(() => 0);
    session.events.on("layerDemand", (trackId, layersMask) => {
      if (trackId === videoTrack.track.trackId) summary.layerStops += simulcast?.setDemand(layersMask) ?? 0;
    });
    // A new connection's relay has said nothing yet: every layer until it does.
    session.events.on("reconnected", () => simulcast?.setDemand(0xffffffff));
  } else if (options.video && videoTrack) {
    const ffmpeg = new FfmpegProcess("video", videoArguments(options.video, options.encoding));
    processes.push(ffmpeg);
    pumpVideo(ffmpeg, session, videoTrack, options.encoding, summary).catch((error) =>
      failure.resolve(asMediaError(error)),
    );
  }
  if (options.audio && audioTrack) {
    const levels = new AudioLevelLines();
    const ffmpeg = new FfmpegProcess("audio", audioArguments(options.audio), (line) => levels.accept(line));
    processes.push(ffmpeg);
    pumpAudio(ffmpeg, session, audioTrack, levels, summary).catch((error) =>
      failure.resolve(asMediaError(error)),
    );
  }
  for (const ffmpeg of processes) {
    ffmpeg.exited.then((status) => {
      if (!ffmpeg.isStopping) failure.resolve(ffmpegFailure(ffmpeg, status));
    });
  }
  options.log(
    `streaming ${describe(options)} to meeting "${options.meetingId}" as "${options.userId}" over ${session.transportKind} (session ${session.sessionId}); Ctrl-C to leave`,
  );

  const stopped = new Promise<"stopped">((resolve) => {
    if (stopSignal.aborted) resolve("stopped");
    stopSignal.addEventListener("abort", () => resolve("stopped"), { once: true });
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"stopped">((resolve) => {
    if (options.durationSeconds !== undefined)
      timer = setTimeout(() => resolve("stopped"), options.durationSeconds * 1000);
  });
  const outcome = await Promise.race([stopped, timedOut, failure.promise, session.closed]);
  clearTimeout(timer);
  await Promise.all([...processes.map((ffmpeg) => ffmpeg.stop()), simulcast?.stop()]);
  audioTrack?.close();
  videoTrack?.close();
  await session.leave();
  if (outcome instanceof CliError) throw outcome;
  if (outcome !== "stopped") {
    throw new CliError(
      "disconnected",
      `the server ended the session: ${outcome.reason} (code ${outcome.code})`,
    );
  }
  return summary;
}

/** A LocalTrack whose frames pass through the frame transform first, in order. */
class TransformedTrack {
  readonly track: LocalTrack;
  #transform: OrderedFrameTransform;
  #summary: StreamSummary;

  constructor(track: LocalTrack, options: StreamOptions, summary: StreamSummary) {
    this.track = track;
    this.#summary = summary;
    this.#transform = new OrderedFrameTransform(options.frameTransform, "encode");
  }

  send(frame: {
    keyframe: boolean;
    captureTimeUs: number;
    durationUs: number;
    audioLevel?: number;
    layer?: number;
    payload: Uint8Array;
  }): void {
    const metadata = {
      senderSessionId: 0,
      trackId: this.track.trackId,
      kind: this.track.kind,
      codec: this.track.codec,
      keyframe: frame.keyframe,
      captureTimeUs: BigInt(Math.round(frame.captureTimeUs)),
    };
    this.#transform.encode(
      frame.payload,
      metadata,
      (payload) => this.track.sendFrame({ ...frame, payload }),
      () => this.#summary.transformErrors++,
    );
  }

  close(): void {
    this.#transform.close();
    this.track.close();
  }
}

async function pumpVideo(
  ffmpeg: FfmpegProcess,
  session: MeetingSession,
  track: TransformedTrack,
  encoding: VideoEncoding,
  summary: StreamSummary,
  layer?: number,
): Promise<void> {
  const frameDurationUs = Math.round(1_000_000 / encoding.fps);
  let waitForKeyframe = false;
  const send = (frame: { keyframe: boolean; payload: Uint8Array }) => {
    if (session.isClosed || session.isReconnecting) return;
    if (frame.keyframe) waitForKeyframe = false;
    else if (session.bufferedBytes > MAX_BUFFERED_BYTES) waitForKeyframe = true;
    if (waitForKeyframe) {
      summary.videoFramesDropped++;
      return;
    }
    track.send({
      keyframe: frame.keyframe,
      captureTimeUs: nowMicros(),
      durationUs: frameDurationUs,
      ...(layer === undefined ? {} : { layer }),
      payload: frame.payload,
    });
    summary.videoFramesSent++;
    if (layer !== undefined) summary.framesByLayer[layer] = (summary.framesByLayer[layer] ?? 0) + 1;
  };
  const codec = encoding.codec;
  if (codec === "h264") {
    const reader = new AnnexBReader();
    for await (const chunk of ffmpeg.stdout) reader.push(chunk).forEach(send);
    reader.flush().forEach(send);
    return;
  }
  const reader = new IvfReader();
  for await (const chunk of ffmpeg.stdout) {
    for (const frame of reader.push(chunk)) {
      send({ keyframe: isVpxKeyframe(codec, frame.payload), payload: frame.payload });
    }
  }
}

/**
 * Simulcast: one ffmpeg per layer, at the layer's size and bitrate. A layer that no receiver wants
 * (LayerDemand) has its ffmpeg stopped; when it is wanted again a new one starts, and its first
 * frame is a key frame.
 */
class SimulcastEncoders {
  #running = new Map<number, FfmpegProcess>();
  #stopped = false;

  constructor(
    readonly source: VideoSource,
    readonly encoding: VideoEncoding,
    readonly layers: readonly LocalVideoLayer[],
    readonly onStarted: (ffmpeg: FfmpegProcess, layer: number) => void,
  ) {
    for (const layer of layers) this.#start(layer);
  }

  /** Starts the wanted layers and stops the others; returns how many were stopped. */
  setDemand(layersMask: number): number {
    let stops = 0;
    for (const layer of this.layers) {
      const wanted = ((layersMask >>> layer.layer) & 1) === 1;
      const running = this.#running.get(layer.layer);
      if (wanted && !running) this.#start(layer);
      if (!wanted && running) {
        this.#running.delete(layer.layer);
        void running.stop();
        stops++;
      }
    }
    return stops;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#running.values()].map((ffmpeg) => ffmpeg.stop()));
    this.#running.clear();
  }

  #start(layer: LocalVideoLayer): void {
    if (this.#stopped) return;
    const encoding = {
      ...this.encoding,
      width: layer.widthPx,
      height: layer.heightPx,
      bitrateKbps: Math.round(layer.bitrateBps / 1000),
    };
    const ffmpeg = new FfmpegProcess(`video layer ${layer.layer}`, videoArguments(this.source, encoding));
    this.#running.set(layer.layer, ffmpeg);
    this.onStarted(ffmpeg, layer.layer);
  }
}

async function pumpAudio(
  ffmpeg: FfmpegProcess,
  session: MeetingSession,
  track: TransformedTrack,
  levels: AudioLevelLines,
  summary: StreamSummary,
): Promise<void> {
  const reader = new OggOpusReader();
  for await (const chunk of ffmpeg.stdout) {
    for (const packet of reader.push(chunk)) {
      if (session.isClosed || session.isReconnecting) continue;
      track.send({
        keyframe: true,
        captureTimeUs: nowMicros(),
        durationUs: OPUS_FRAME_DURATION_US,
        // ffmpeg prints a block's level as it passes to the encoder: the latest is this packet's.
        audioLevel: levels.latest,
        payload: packet,
      });
      summary.audioPacketsSent++;
    }
  }
}

function asMediaError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  return new CliError("media-failed", `reading ffmpeg's output failed: ${(error as Error).message ?? error}`);
}

function describe(options: StreamOptions): string {
  const { encoding } = options;
  const video = options.video
    ? `${options.video.kind === "camera" ? options.video.devicePath : options.video.kind === "file" ? options.video.path : "a test pattern"} (${encoding.codec} ${encoding.width}x${encoding.height}@${encoding.fps} ${encoding.bitrateKbps} kb/s)`
    : "no video";
  const audio = options.audio
    ? options.audio.kind === "alsa"
      ? `ALSA ${options.audio.device}`
      : options.audio.kind === "file"
        ? "the file's audio"
        : "a 440 Hz tone"
    : "no audio";
  return `${video} and ${audio}`;
}
