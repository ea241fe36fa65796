import { Codec, type Media } from "@videocall/protocol";
import { type FrameTransformConfig, specFor } from "../transform/frame-transform.ts";
import { OrderedFrameTransform } from "../transform/ordered-frame-transform.ts";
import { OpusDecoder } from "./audio-decoder.ts";
import type { AudioOutput } from "./audio-output.ts";
import { AudioPlayout } from "./audio-playout.ts";
import type { PlayoutStats } from "./audio-playout-messages.ts";
import type { AvSyncClock } from "./av-sync-clock.ts";
import { TrackSelector } from "./track-selector.ts";

export interface AudioWatcherStats extends PlayoutStats {
  framesReceived: number;
  framesDecoded: number;
  /** Packets the frame transform refused (each costs its 20 ms, concealed). */
  transformErrors: number;
}

export interface AudioWatcherOptions {
  /** Runs on every packet before the Opus decoder (identity by default). */
  frameTransform?: FrameTransformConfig;
  /** The publisher's session id, given to the transform as the sender. */
  senderSessionId?: number;
  /** Told when which capture time is heard, so the peer's video can wait for its sound. */
  avSync?: AvSyncClock;
}

/** Arrival times kept for packets still in the decoder; more than this means outputs were lost. */
const MAX_PENDING_ARRIVALS = 64;

/**
 * Watches one remote audio track: frame transform and decode on arrival, then play out through the
 * jitter buffer. A packet that does not decode costs only its own 20 ms (the decoder is recreated,
 * the gap concealed).
 */
export class AudioWatcher {
  #decoder: OpusDecoder;
  /** One audio track per peer: a second one takes over only after the first has gone quiet. */
  #tracks = new TrackSelector();
  #playout: AudioPlayout;
  /** Per sequence number still in the decoder: network arrival (ms) and capture time (µs). */
  #arrivals = new Map<number, { arrivalMs: number; captureTimeUs: number }>();
  #framesReceived = 0;
  #transform: OrderedFrameTransform;
  #transformErrors = 0;
  #senderSessionId: number;
  #closed = false;

  constructor(
    output: AudioOutput,
    onError: (message: string) => void = () => {},
    options: AudioWatcherOptions = {},
  ) {
    this.#senderSessionId = options.senderSessionId ?? 0;
    this.#transform = new OrderedFrameTransform(specFor(options.frameTransform).spec, "decode");
    this.#playout = new AudioPlayout(output, {}, options.avSync);
    this.#decoder = new OpusDecoder((sequence, samples) => {
      const arrival = this.#arrivals.get(sequence);
      this.#arrivals.delete(sequence);
      const arrivalMs = arrival?.arrivalMs ?? performance.now();
      if (!this.#closed) this.#playout.push(sequence, arrivalMs, arrival?.captureTimeUs ?? 0, samples);
    }, onError);
  }

  receive(media: Media): void {
    if (this.#closed) return;
    this.#framesReceived++;
    if (media.codec !== Codec.OPUS) return; // the only audio codec we decode
    if (this.#tracks.offer(media.trackId, false, performance.now()) === "ignore") return;
    // Jitter is measured on network arrival, before the (variable) decode delay.
    this.#arrivals.set(media.sequence, {
      arrivalMs: performance.now(),
      captureTimeUs: Number(media.captureTimeUs),
    });
    if (this.#arrivals.size > MAX_PENDING_ARRIVALS) {
      const oldest = this.#arrivals.keys().next().value;
      if (oldest !== undefined) this.#arrivals.delete(oldest);
    }
    const sequence = media.sequence;
    const metadata = {
      senderSessionId: this.#senderSessionId,
      trackId: media.trackId,
      kind: media.kind,
      codec: media.codec,
      keyframe: media.keyframe,
      captureTimeUs: media.captureTimeUs,
    };
    this.#transform.decode(media.payload, metadata, (outcome) => {
      if (this.#closed) return;
      if (outcome.ok) this.#decoder.decode(sequence, outcome.payload);
      else {
        this.#transformErrors++;
        this.#arrivals.delete(sequence);
      }
    });
  }

  stats(): AudioWatcherStats {
    return {
      framesReceived: this.#framesReceived,
      framesDecoded: this.#decoder.framesDecoded,
      transformErrors: this.#transformErrors,
      ...this.#playout.stats(),
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#transform.close();
    this.#decoder.close();
    this.#playout.close();
    this.#arrivals.clear();
  }
}
