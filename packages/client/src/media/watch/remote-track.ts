import { type Media, MediaKind, type TrackInfo } from "@videocall/protocol";
import type { FrameTransformConfig } from "../transform/frame-transform.ts";
import type { AudioOutput } from "./audio-output.ts";
import { EMPTY_PLAYOUT_STATS } from "./audio-playout.ts";
import { AudioWatcher, type AudioWatcherStats } from "./audio-watcher.ts";
import type { AvSyncClock } from "./av-sync-clock.ts";
import { VideoWatcher, type VideoWatcherStats } from "./video-watcher.ts";

/** How a received track is played: video (camera or screen, MediaKind.VIDEO/SCREEN) or audio. */
export type RemoteTrackKind = "video" | "audio";

/** The kind a track's media is played as, or undefined for kinds this client does not play. */
export function remoteTrackKind(kind: MediaKind): RemoteTrackKind | undefined {
  if (kind === MediaKind.VIDEO || kind === MediaKind.SCREEN) return "video";
  if (kind === MediaKind.AUDIO) return "audio";
  return undefined;
}

export interface RemoteTrackContext {
  senderSessionId: number;
  requestKeyframe: (trackId: number) => void;
  output: AudioOutput | undefined;
  frameTransform: FrameTransformConfig | undefined;
  onError: (message: string) => void;
  /** Shared by the participant's tracks: its audio says when which capture time plays, its video waits for it. */
  avSync: AvSyncClock;
  /** This client's round trip to the relay (ms), for the video playout delay. */
  roundTripMs: () => number | undefined;
  /** Whether this session asked to receive the participant's track (all, or subscribed). */
  receives: (trackId: number) => boolean;
}

export interface RemoteVideoTrackStats extends VideoWatcherStats {
  trackId: number;
  /** The publisher's MediaKind: VIDEO (a camera) or SCREEN (a screen share). */
  mediaKind: MediaKind;
  muted: boolean;
}

export interface RemoteAudioTrackStats extends AudioWatcherStats {
  trackId: number;
  muted: boolean;
}

/**
 * One remote participant's video track: its own decoder worker and canvas (VideoWatcher), so a
 * second track (a screen share) never shares a decoder with the first. Made from the peer's
 * TrackState, or from its first frame when the frame comes before the announcement.
 */
export class RemoteVideoTrack {
  readonly kind = "video" as const;
  readonly trackId: number;
  readonly watcher: VideoWatcher;
  #info: TrackInfo | undefined;
  #closed = false;
  #receives: () => boolean;

  constructor(trackId: number, info: TrackInfo | undefined, context: RemoteTrackContext) {
    this.trackId = trackId;
    this.#info = info;
    this.watcher = new VideoWatcher(() => context.requestKeyframe(trackId), {
      frameTransform: context.frameTransform,
      senderSessionId: context.senderSessionId,
      avSync: context.avSync,
      roundTripMs: context.roundTripMs,
    });
    this.watcher.onError = context.onError;
    this.#receives = () => context.receives(trackId);
    this.#prepareIfReceived();
  }

  /**
   * Starts the decoder before the first frame (VideoWatcher.prepare): done by itself for an
   * unmuted track this session receives; for one about to be subscribed (a tile coming into
   * view), call it with the subscription.
   */
  prepare(): void {
    if (!this.#closed) this.watcher.prepare(this.#info?.codec);
  }

  #prepareIfReceived(): void {
    if (this.#info !== undefined && !this.#info.muted && this.#receives()) this.prepare();
  }

  /** The element the decoder worker draws on. */
  get canvas(): HTMLCanvasElement {
    return this.watcher.canvas;
  }

  /** The publisher's announcement, once it came. */
  get info(): TrackInfo | undefined {
    return this.#info;
  }

  get muted(): boolean {
    return this.#info?.muted ?? false;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A new announcement of this track: muting forgets the stream, so a fresh key frame restarts it. */
  announce(info: TrackInfo): void {
    const wasOn = this.#info !== undefined && !this.#info.muted;
    this.#info = info;
    if (wasOn && info.muted) this.watcher.reset();
    this.#prepareIfReceived();
  }

  receive(media: Media): void {
    if (!this.#closed) this.watcher.receive(media);
  }

  stats(): RemoteVideoTrackStats {
    return {
      ...this.watcher.stats(),
      trackId: this.trackId,
      mediaKind: this.#info?.kind ?? MediaKind.VIDEO,
      muted: this.muted,
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.watcher.close();
  }
}

/**
 * One remote participant's audio track (microphone, screen audio): its own decoder and playout
 * node, made with the first packet (an announced track that never sends costs nothing).
 */
export class RemoteAudioTrack {
  readonly kind = "audio" as const;
  readonly trackId: number;
  #context: RemoteTrackContext;
  #watcher: AudioWatcher | undefined;
  #info: TrackInfo | undefined;
  #closed = false;

  constructor(trackId: number, info: TrackInfo | undefined, context: RemoteTrackContext) {
    this.trackId = trackId;
    this.#info = info;
    this.#context = context;
  }

  get info(): TrackInfo | undefined {
    return this.#info;
  }

  get muted(): boolean {
    return this.#info?.muted ?? false;
  }

  get closed(): boolean {
    return this.#closed;
  }

  announce(info: TrackInfo): void {
    this.#info = info;
  }

  receive(media: Media): void {
    if (this.#closed) return;
    const output = this.#context.output;
    if (!output) return; // no usable AudioContext on this page: audio is not decoded
    this.#watcher ??= new AudioWatcher(output, this.#context.onError, {
      frameTransform: this.#context.frameTransform,
      senderSessionId: this.#context.senderSessionId,
      avSync: this.#context.avSync,
    });
    this.#watcher.receive(media);
  }

  stats(): RemoteAudioTrackStats {
    return { ...(this.#watcher?.stats() ?? EMPTY_AUDIO_STATS), trackId: this.trackId, muted: this.muted };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watcher?.close();
  }
}

export type RemoteTrack = RemoteVideoTrack | RemoteAudioTrack;

const EMPTY_AUDIO_STATS: AudioWatcherStats = {
  ...EMPTY_PLAYOUT_STATS,
  framesReceived: 0,
  framesDecoded: 0,
  transformErrors: 0,
};
