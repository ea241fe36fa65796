import { Codec, MediaKind } from "@videocall/protocol";
import type { MeetingSession } from "../../session/meeting-session.ts";
import { nowMicros } from "../../time.ts";
import { TrackId } from "../tracks.ts";
import { OpusEncoder } from "./audio-encoder.ts";

export interface MicrophonePublisherOptions {
  bitrateKbps?: number;
  muted?: boolean;
}

/**
 * Publishes a microphone track as Opus (track 1). Audio is cheap to encode (1 s in ~18 ms), so it
 * stays on the page. While muted, captured audio is dropped and nothing is sent.
 */
export class MicrophonePublisher {
  readonly trackId = TrackId.microphone;
  #session: MeetingSession;
  #track: MediaStreamTrack;
  #reader: ReadableStreamDefaultReader<AudioData>;
  #encoder: OpusEncoder;
  #muted: boolean;
  #closed = false;
  #framesSent = 0;
  onError: (message: string) => void = () => {};

  constructor(session: MeetingSession, track: MediaStreamTrack, options: MicrophonePublisherOptions = {}) {
    this.#session = session;
    this.#track = track;
    this.#muted = options.muted ?? false;
    session.publishTrack({
      trackId: this.trackId,
      kind: MediaKind.AUDIO,
      codec: Codec.OPUS,
      muted: this.#muted,
    });
    this.#encoder = new OpusEncoder({
      bitrateKbps: options.bitrateKbps ?? 32,
      onFrame: (frame) => {
        if (this.#closed || this.#muted || this.#session.isClosed) return;
        // The encoder's timestamps follow the capture clock; the wire wants wall-clock µs.
        this.#session.sendFrame(this.trackId, {
          keyframe: true,
          captureTimeUs: nowMicros(),
          durationUs: frame.durationUs,
          payload: frame.payload,
        });
        this.#framesSent++;
      },
      onError: (message) => this.onError(message),
    });
    this.#reader = new MediaStreamTrackProcessor<AudioData>({ track }).readable.getReader();
    void this.#pump();
  }

  get muted(): boolean {
    return this.#muted;
  }

  get track(): MediaStreamTrack {
    return this.#track;
  }

  get framesSent(): number {
    return this.#framesSent;
  }

  setMuted(muted: boolean): void {
    if (this.#closed || muted === this.#muted) return;
    this.#muted = muted;
    this.#session.setTrackMuted(this.trackId, muted);
  }

  close(options: { unpublish?: boolean } = {}): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader.cancel().catch(() => {});
    this.#encoder.close();
    this.#track.stop();
    if (options.unpublish && !this.#session.isClosed) this.#session.unpublishTrack(this.trackId);
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await this.#reader.read();
        if (done || this.#closed) {
          value?.close();
          break;
        }
        if (this.#muted) value.close();
        else this.#encoder.encode(value);
      }
    } catch (error) {
      if (!this.#closed) this.onError(`microphone stopped: ${String(error)}`);
    }
  }
}
