/**
 * Writes one participant's encoded VP8/VP9 video and Opus audio to WebM with mediabunny, as they
 * arrive: no decode, no encode. Timestamps are the sender's capture times relative to the first
 * recorded packet, so audio and video stay in step. Writes are queued so packets stay in order; the
 * first write failure is kept and thrown by `finish()`. Used by the CLI's `receive` and the server's
 * recorder.
 */
import type { Media } from "@videocall/protocol";
import {
  EncodedAudioPacketSource,
  EncodedPacket,
  EncodedVideoPacketSource,
  Output,
  type Target,
  WebMOutputFormat,
} from "mediabunny";
import type { VpxCodec } from "./vpx-bitstream.ts";

/** Opus frames are 20 ms throughout the project (client and CLI encoders). */
const OPUS_FRAME_DURATION_US = 20_000;
/** When a video packet carries no duration: one frame at 30 fps. */
const DEFAULT_VIDEO_FRAME_DURATION_US = 33_333;

export interface WebmTrackWriterOptions {
  /** Where the file goes: `new FilePathTarget(path)` in Deno and Node, a BufferTarget anywhere. */
  readonly target: Target;
  /** Capture time (µs) that becomes 0 s in the file: the first packet's. */
  readonly originUs: number;
  /** The video track's codec and size (from the first key frame); no video track when undefined. */
  readonly video?: { readonly codec: VpxCodec; readonly width: number; readonly height: number } | undefined;
  readonly withAudio: boolean;
}

export class WebmTrackWriter {
  readonly #output: Output;
  readonly #video: EncodedVideoPacketSource | undefined;
  readonly #audio: EncodedAudioPacketSource | undefined;
  readonly #videoConfig: WebmTrackWriterOptions["video"];
  readonly #originUs: number;
  #queue: Promise<void> = Promise.resolve();
  #pendingWrites = 0;
  #failure: unknown;
  #lastVideoSeconds = -1;
  #lastAudioSeconds = -1;
  #firstVideo = true;
  #firstAudio = true;
  videoFrames = 0;
  audioPackets = 0;
  /** The latest timestamp written, in seconds from the origin: the recording's length so far. */
  lastSeconds = 0;

  constructor(options: WebmTrackWriterOptions) {
    this.#originUs = options.originUs;
    this.#videoConfig = options.video;
    this.#output = new Output({ format: new WebMOutputFormat(), target: options.target });
    if (options.video) {
      this.#video = new EncodedVideoPacketSource(options.video.codec);
      this.#output.addVideoTrack(this.#video);
    }
    if (options.withAudio) {
      this.#audio = new EncodedAudioPacketSource("opus");
      this.#output.addAudioTrack(this.#audio);
    }
    this.#enqueue(() => this.#output.start());
  }

  get videoCodec(): VpxCodec | undefined {
    return this.#videoConfig?.codec;
  }

  get width(): number {
    return this.#videoConfig?.width ?? 0;
  }

  get height(): number {
    return this.#videoConfig?.height ?? 0;
  }

  get hasAudio(): boolean {
    return this.#audio !== undefined;
  }

  /** Writes queued and not yet done: a recorder that cannot keep up sees this grow. */
  get pendingWrites(): number {
    return this.#pendingWrites;
  }

  addVideo(media: Media): void {
    const source = this.#video;
    const config = this.#videoConfig;
    if (!source || !config) return;
    // Packets must go in with rising timestamps; a late one is nudged just after its predecessor.
    const atSeconds = Math.max(this.#relativeSeconds(media), this.#lastVideoSeconds + 0.001);
    this.#lastVideoSeconds = atSeconds;
    this.lastSeconds = Math.max(this.lastSeconds, atSeconds);
    const packet = new EncodedPacket(
      media.payload.slice(),
      media.keyframe ? "key" : "delta",
      atSeconds,
      (media.durationUs || DEFAULT_VIDEO_FRAME_DURATION_US) / 1e6,
    );
    const meta = this.#firstVideo
      ? {
          decoderConfig: {
            codec: config.codec === "vp8" ? "vp8" : "vp09.00.10.08",
            codedWidth: config.width,
            codedHeight: config.height,
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

  /** Finalizes the file (cues, durations); throws the first write failure, if any. */
  async finish(): Promise<void> {
    this.#enqueue(() => this.#output.finalize());
    await this.#queue;
    if (this.#failure) throw this.#failure;
  }

  #relativeSeconds(media: Media): number {
    return (Number(media.captureTimeUs) - this.#originUs) / 1e6;
  }

  #enqueue(write: () => Promise<void>): void {
    this.#pendingWrites++;
    this.#queue = this.#queue.then(async () => {
      try {
        if (!this.#failure) await write();
      } catch (error) {
        this.#failure = error;
      } finally {
        this.#pendingWrites--;
      }
    });
  }
}
