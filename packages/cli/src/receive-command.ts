/**
 * `videocall receive`: joins as a receiver and records the first publisher's camera (VP8/VP9) and
 * microphone (Opus) into WebM with mediabunny. Recording starts at the publisher's first video key
 * frame (or first audio packet when it sends no video); timestamps are its capture times, so audio
 * and video stay in step. Every frame first goes through the frame-transform seam (`--frame-transform`,
 * identity by default), one transform per track so each track's frames stay in order.
 */
import {
  Codec,
  type FrameTransformSpec,
  type Media,
  MediaKind,
  OrderedFrameTransform,
  type TransportPreference,
} from "@videocall/client";
import {
  EncodedAudioPacketSource,
  EncodedPacket,
  EncodedVideoPacketSource,
  FilePathTarget,
  Output,
  WebMOutputFormat,
} from "mediabunny";
import { CliError } from "./errors.ts";
import { OPUS_FRAME_DURATION_US } from "./ffmpeg.ts";
import { cliE2ee, joinAs, sessionFrameTransform } from "./join.ts";
import { type VpxCodec, vpxKeyframeInfo } from "./vpx-bitstream.ts";

export interface ReceiveOptions {
  /** Room token (docs/tokens.md); without one the server admits a guest, if it does. */
  token?: string;
  /** The meeting's password, if it has one. */
  password?: string;
  serverUrl: string;
  meetingId: string;
  userId: string;
  outPath: string;
  durationSeconds: number | undefined;
  waitSeconds: number;
  transport: TransportPreference;
  /** Applied to every received frame before it is recorded (identity when undefined). */
  frameTransform?: FrameTransformSpec;
  /** Decrypt end to end with keys from this meeting passphrase (`--e2ee-passphrase`). */
  e2eePassphrase?: string;
  /** Decrypt end to end with keys exchanged with the others (`--e2ee`). */
  e2eeExchange?: boolean;
  log: (line: string) => void;
}

export interface ReceiveResult {
  publisher: string;
  durationSeconds: number;
  videoFrames: number;
  audioPackets: number;
  videoCodec: VpxCodec | undefined;
  width: number;
  height: number;
  /** Frames the frame transform refused (not recorded). */
  transformErrors: number;
}

/** Writes one publisher's packets to WebM; mediabunny's writes are queued so packets stay in order. */
class WebmRecorder {
  readonly #output: Output;
  readonly #video: EncodedVideoPacketSource | undefined;
  readonly #audio: EncodedAudioPacketSource | undefined;
  #queue: Promise<void> = Promise.resolve();
  #failure: unknown;
  #originUs: number;
  #lastVideoSeconds = -1;
  #lastAudioSeconds = -1;
  #firstVideo = true;
  #firstAudio = true;
  videoFrames = 0;
  audioPackets = 0;
  lastSeconds = 0;

  constructor(
    path: string,
    originUs: number,
    readonly videoCodec: VpxCodec | undefined,
    readonly width: number,
    readonly height: number,
    withAudio: boolean,
  ) {
    this.#originUs = originUs;
    this.#output = new Output({ format: new WebMOutputFormat(), target: new FilePathTarget(path) });
    if (videoCodec) {
      this.#video = new EncodedVideoPacketSource(videoCodec);
      this.#output.addVideoTrack(this.#video);
    }
    if (withAudio) {
      this.#audio = new EncodedAudioPacketSource("opus");
      this.#output.addAudioTrack(this.#audio);
    }
    this.#enqueue(() => this.#output.start());
  }

  get hasAudio(): boolean {
    return this.#audio !== undefined;
  }

  addVideo(media: Media): void {
    const source = this.#video;
    if (!source) return;
    // Packets must go in with rising timestamps; a late one is nudged just after its predecessor.
    const atSeconds = Math.max(this.#relativeSeconds(media), this.#lastVideoSeconds + 0.001);
    this.#lastVideoSeconds = atSeconds;
    this.lastSeconds = Math.max(this.lastSeconds, atSeconds);
    const packet = new EncodedPacket(
      media.payload.slice(),
      media.keyframe ? "key" : "delta",
      atSeconds,
      (media.durationUs || 33_333) / 1e6,
    );
    const meta = this.#firstVideo
      ? {
          decoderConfig: {
            codec: this.videoCodec === "vp8" ? "vp8" : "vp09.00.10.08",
            codedWidth: this.width,
            codedHeight: this.height,
          },
        }
      : undefined;
    this.#firstVideo = false;
    this.videoFrames++;
    this.#enqueue(() => source.add(packet, meta));
  }

  addAudio(media: Media): void {
    const source = this.#audio;
    if (!source) return;
    const relative = this.#relativeSeconds(media);
    if (relative < 0) return;
    const atSeconds = Math.max(relative, this.#lastAudioSeconds + OPUS_FRAME_DURATION_US / 1e6 / 2);
    this.#lastAudioSeconds = atSeconds;
    this.lastSeconds = Math.max(this.lastSeconds, atSeconds);
    const packet = new EncodedPacket(media.payload.slice(), "key", atSeconds, OPUS_FRAME_DURATION_US / 1e6);
    const meta = this.#firstAudio
      ? { decoderConfig: { codec: "opus", numberOfChannels: 1, sampleRate: 48_000 } }
      : undefined;
    this.#firstAudio = false;
    this.audioPackets++;
    this.#enqueue(() => source.add(packet, meta));
  }

  async finish(): Promise<void> {
    this.#enqueue(() => this.#output.finalize());
    await this.#queue;
    if (this.#failure) throw this.#failure;
  }

  #relativeSeconds(media: Media): number {
    return (Number(media.captureTimeUs) - this.#originUs) / 1e6;
  }

  #enqueue(write: () => Promise<void>): void {
    this.#queue = this.#queue.then(async () => {
      if (this.#failure) return;
      try {
        await write();
      } catch (error) {
        this.#failure = error;
      }
    });
  }
}

export async function runReceive(options: ReceiveOptions, stopSignal: AbortSignal): Promise<ReceiveResult> {
  const session = await joinAs({
    serverUrl: options.serverUrl,
    ...(options.token ? { token: options.token } : {}),
    ...(options.password ? { password: options.password } : {}),
    username: options.userId,
    meetingId: options.meetingId,
    transport: options.transport,
    // WebM holds VP8 and VP9 only: publishers that negotiate send us one of them.
    videoDecoders: [Codec.VP9, Codec.VP8],
    ...cliE2ee(options.e2eePassphrase, options.e2eeExchange),
  });
  if (session.e2ee)
    options.log(`media is end-to-end encrypted (${session.e2ee.mode} mode): decrypting locally`);
  else if (session.e2eeRequired)
    options.log(
      "this meeting is end-to-end encrypted: without --e2ee-passphrase only ciphertext arrives, and nothing decodes",
    );
  options = { ...options, frameTransform: sessionFrameTransform(session, options.frameTransform) };
  options.log(`joined "${options.meetingId}" over ${session.transportKind}; waiting for a publisher`);

  let publisherId: number | undefined;
  let publisherName = "";
  let recorder: WebmRecorder | undefined;
  let keyframeAsked = false;
  const started = Promise.withResolvers<void>();
  const unrecordable = Promise.withResolvers<CliError>();

  const publisherHasAudio = (sessionId: number) =>
    session.participants.get(sessionId)?.tracks.some((track) => track.kind === MediaKind.AUDIO) ?? false;
  const publisherHasVideo = (sessionId: number) =>
    session.participants.get(sessionId)?.tracks.some((track) => track.kind === MediaKind.VIDEO) ?? false;

  const transforms = new Map<number, OrderedFrameTransform>();
  let transformErrors = 0;
  session.events.on("media", (from, received) => {
    publisherId ??= from;
    if (from !== publisherId) return;
    let transform = transforms.get(received.trackId);
    if (!transform) {
      transform = new OrderedFrameTransform(options.frameTransform, "decode");
      transforms.set(received.trackId, transform);
    }
    const metadata = {
      senderSessionId: from,
      trackId: received.trackId,
      kind: received.kind,
      codec: received.codec,
      keyframe: received.keyframe,
      captureTimeUs: received.captureTimeUs,
    };
    transform.decode(received.payload, metadata, (outcome) => {
      if (outcome.ok) record(from, { ...received, payload: outcome.payload });
      else if (transformErrors++ === 0)
        options.log(`a frame did not pass the transform: ${outcome.error.message}`);
    });
  });
  const record = (from: number, media: Media) => {
    const isVideo = media.kind === MediaKind.VIDEO;
    if (!recorder) {
      if (isVideo) {
        const codec: VpxCodec | undefined =
          media.codec === Codec.VP8 ? "vp8" : media.codec === Codec.VP9 ? "vp9" : undefined;
        if (media.codec === Codec.H264) {
          // WebM holds VP8/VP9/AV1 only; MP4 or Matroska would need an avcC built from the SPS/PPS.
          const name = session.participants.get(from)?.username ?? String(from);
          unrecordable.resolve(
            new CliError(
              "unsupported-format",
              `"${name}" publishes H.264, which receive cannot record (WebM holds VP8 and VP9); stream with --codec vp8 or vp9`,
            ),
          );
        }
        if (!codec) return;
        const size = vpxKeyframeInfo(codec, media.payload);
        if (!size) {
          if (!keyframeAsked) session.requestKeyframe(from, media.trackId);
          keyframeAsked = true;
          return;
        }
        recorder = new WebmRecorder(
          options.outPath,
          Number(media.captureTimeUs),
          codec,
          size.width,
          size.height,
          publisherHasAudio(from),
        );
      } else if (media.codec === Codec.OPUS && !publisherHasVideo(from)) {
        recorder = new WebmRecorder(options.outPath, Number(media.captureTimeUs), undefined, 0, 0, true);
      } else {
        return;
      }
      publisherName = session.participants.get(from)?.username ?? String(from);
      options.log(`recording "${publisherName}" to ${options.outPath}`);
      started.resolve();
    }
    if (isVideo) recorder.addVideo(media);
    else if (media.codec === Codec.OPUS) recorder.addAudio(media);
  };

  const stopped = new Promise<"stopped">((resolve) => {
    if (stopSignal.aborted) resolve("stopped");
    stopSignal.addEventListener("abort", () => resolve("stopped"), { once: true });
  });
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  const after = (seconds: number) =>
    new Promise<"timeout">((resolve) => timers.push(setTimeout(() => resolve("timeout"), seconds * 1000)));
  try {
    const first = await Promise.race([
      started.promise.then(() => "started" as const),
      unrecordable.promise,
      stopped,
      after(options.waitSeconds),
      session.closed,
    ]);
    if (first instanceof CliError) throw first;
    if (first !== "started") {
      throw new CliError(
        first === "timeout" || first === "stopped" ? "no-media" : "disconnected",
        first === "timeout"
          ? `no video or audio arrived in meeting "${options.meetingId}" within ${options.waitSeconds} s`
          : first === "stopped"
            ? "stopped before any media arrived; nothing written"
            : `the server ended the session: ${first.reason}`,
      );
    }
    if (options.durationSeconds !== undefined) {
      await Promise.race([stopped, after(options.durationSeconds), session.closed]);
    } else {
      await Promise.race([stopped, session.closed]);
    }
  } finally {
    for (const timer of timers) clearTimeout(timer);
    for (const transform of transforms.values()) transform.close();
    await session.leave();
  }
  const written = recorder!;
  await written.finish();
  return {
    publisher: publisherName,
    durationSeconds: written.lastSeconds,
    videoFrames: written.videoFrames,
    audioPackets: written.audioPackets,
    videoCodec: written.videoCodec,
    width: written.width,
    height: written.height,
    transformErrors,
  };
}
