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
import { type VpxCodec, vpxKeyframeInfo, WebmTrackWriter } from "@videocall/client/recording";
import { FilePathTarget } from "mediabunny";
import { CliError } from "./errors.ts";
import { cliE2ee, joinAs, sessionFrameTransform } from "./join.ts";

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
  let recorder: WebmTrackWriter | undefined;
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
        recorder = new WebmTrackWriter({
          target: new FilePathTarget(options.outPath),
          originUs: Number(media.captureTimeUs),
          video: { codec, width: size.width, height: size.height },
          withAudio: publisherHasAudio(from),
        });
      } else if (media.codec === Codec.OPUS && !publisherHasVideo(from)) {
        recorder = new WebmTrackWriter({
          target: new FilePathTarget(options.outPath),
          originUs: Number(media.captureTimeUs),
          withAudio: true,
        });
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
