import { Codec, MediaKind } from "@videocall/protocol";
import type { LocalTrack } from "../../session/local-track.ts";
import type { MeetingSession } from "../../session/meeting-session.ts";
import { nowMicros } from "../../time.ts";
import { type FrameTransformConfig, specFor } from "../transform/frame-transform.ts";
import { OrderedFrameTransform } from "../transform/ordered-frame-transform.ts";
import { AudioCaptureClock } from "./audio-capture-clock.ts";
import { type AudioDataSource, type CapturedAudio, openAudioDataSource } from "./audio-data-source.ts";
import { OpusEncoder } from "./audio-encoder.ts";

export interface MicrophonePublisherOptions {
  bitrateKbps?: number;
  muted?: boolean;
  /** Applied to each Opus packet before it is sent (identity by default). */
  frameTransform?: FrameTransformConfig;
}

/**
 * Publishes an audio track (microphone or screen audio) as Opus on its own LocalTrack. Audio is
 * cheap to encode (1 s in ~18 ms), so the encoder and the frame transform stay on the page. While
 * muted, captured audio is dropped and nothing is sent.
 */
export class MicrophonePublisher {
  /** The published track (id, mute state, send stats); closed with this publisher. */
  readonly localTrack: LocalTrack;
  #track: MediaStreamTrack;
  #transform: OrderedFrameTransform;
  #transformErrors = 0;
  #source: AudioDataSource;
  #reader: ReadableStreamDefaultReader<CapturedAudio>;
  #encoder: OpusEncoder;
  readonly #captureClock = new AudioCaptureClock();
  #muted: boolean;
  #closed = false;
  #framesSent = 0;
  onError: (message: string) => void = () => {};

  constructor(session: MeetingSession, track: MediaStreamTrack, options: MicrophonePublisherOptions = {}) {
    this.#track = track;
    this.#muted = options.muted ?? false;
    // First, so a browser that cannot capture publishes nothing.
    this.#source = openAudioDataSource(track);
    this.localTrack = session.publishTrack({
      kind: MediaKind.AUDIO,
      codec: Codec.OPUS,
      muted: this.#muted,
      audioLevels: true,
    });
    this.#transform = new OrderedFrameTransform(
      specFor(options.frameTransform ?? session.e2ee?.frameTransform).spec,
      "encode",
    );
    this.#encoder = new OpusEncoder({
      bitrateKbps: options.bitrateKbps ?? 32,
      onFrame: (frame) => {
        if (this.#closed || this.#muted || this.localTrack.closed) return;
        // The wire wants the wall-clock µs of the packet's first sample, as video stamps its
        // frame, so lip sync lines up the starts of sound and picture: a packet before the end of
        // the buffer that completed it (the newest), or of now if the clock cannot say.
        const captureTimeUs = this.#captureClock.latestEndWallUs(nowMicros()) - frame.durationUs;
        const metadata = {
          senderSessionId: 0,
          trackId: this.localTrack.trackId,
          kind: MediaKind.AUDIO,
          codec: Codec.OPUS,
          keyframe: true,
          captureTimeUs: BigInt(Math.round(captureTimeUs)),
        };
        this.#transform.encode(
          frame.payload,
          metadata,
          (payload) => {
            if (
              !this.localTrack.sendFrame({
                keyframe: true,
                captureTimeUs,
                durationUs: frame.durationUs,
                audioLevel: frame.audioLevel,
                payload,
              })
            )
              return;
            this.#framesSent++;
          },
          (error) => {
            if (this.#transformErrors++ === 0) this.onError(error.message);
          },
        );
      },
      onError: (message) => this.onError(message),
    });
    this.#reader = this.#source.frames.getReader();
    void this.#pump();
  }

  get muted(): boolean {
    return this.#muted;
  }

  get track(): MediaStreamTrack {
    return this.#track;
  }

  get trackId(): number {
    return this.localTrack.trackId;
  }

  get framesSent(): number {
    return this.#framesSent;
  }

  /** Opus packets the frame transform refused. */
  get transformErrors(): number {
    return this.#transformErrors;
  }

  setMuted(muted: boolean): void {
    if (this.#closed || muted === this.#muted) return;
    this.#muted = muted;
    this.localTrack.setMuted(muted);
  }

  /** Stops capture and encoding and closes the LocalTrack (`unpublish` is accepted for older callers). */
  close(_options: { unpublish?: boolean } = {}): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader.cancel().catch(() => {});
    this.#source.close();
    this.#encoder.close();
    this.#transform.close();
    this.#track.stop();
    this.localTrack.close();
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await this.#reader.read();
        if (done || this.#closed) {
          value?.data.close();
          break;
        }
        if (this.#muted) {
          value.data.close();
          continue;
        }
        this.#captureClock.observe(value.data.timestamp + value.data.duration, nowMicros());
        this.#encoder.encode(value.data, value.monoSamples);
      }
    } catch (error) {
      if (!this.#closed) this.onError(`microphone stopped: ${String(error)}`);
    }
  }
}
