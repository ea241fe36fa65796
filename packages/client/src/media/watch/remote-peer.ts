import { MAX_TRACKS_PER_PARTICIPANT, type Media, type TrackInfo } from "@videocall/protocol";
import type { MeetingSession, RemoteParticipant } from "../../session/meeting-session.ts";
import type { FrameTransformConfig } from "../transform/frame-transform.ts";
import type { AudioOutput } from "./audio-output.ts";
import { AvSyncClock } from "./av-sync-clock.ts";
import {
  RemoteAudioTrack,
  type RemoteAudioTrackStats,
  type RemoteTrack,
  type RemoteTrackContext,
  RemoteVideoTrack,
  type RemoteVideoTrackStats,
  remoteTrackKind,
} from "./remote-track.ts";

export interface PeerStats {
  sessionId: number;
  username: string;
  /** Sums over the peer's video tracks. */
  videoFramesReceived: number;
  videoFramesDecoded: number;
  videoFps: number;
  /** Of the video track that decoded most (the camera, usually). */
  videoWidth: number;
  videoHeight: number;
  keyframeRequests: number;
  /**
   * Live glass-to-glass estimate of the busiest video track (ms): its last frame's render time
   * against its capture time. The stamps are the sender's and our epoch clocks: exact on one host
   * or NTP-synced ones; each side's SessionStats.serverClockOffsetMs says how far it is from the
   * relay. NaN before the first frame.
   */
  glassToGlassMs: number;
  /** That track's stages on the way, as glassToGlassMs (VideoWatcherStats): arrival, into the decoder, out of it. */
  videoCaptureToArrivalMs: number;
  videoCaptureToDecodeStartMs: number;
  videoCaptureToDecodedMs: number;
  /** How long that track's last frame waited for its sound (lip sync), ms. */
  avSyncHoldMs: number;
  /** How long that track's frames are held to ride out repairs on the network (0 on a clean link), ms. */
  videoPlayoutDelayMs: number;
  /**
   * Lip sync's view, capture → heard for the audio and capture → on screen as the playout delay
   * plans it for the video (ms, on the sender's and our clocks as glassToGlassMs); NaN without them.
   */
  audioPathMs: number;
  videoPlanMs: number;
  /** Sums over the peer's audio tracks. */
  audioFramesReceived: number;
  audioFramesDecoded: number;
  /** RMS (0..1) of this peer's loudest audio track as played in the last ~250 ms, concealment included. */
  audioRms: number;
  jitterBufferDepthMs: number;
  jitterBufferTargetMs: number;
  audioJitterMs: number;
  audioFramesConcealed: number;
  audioFramesLate: number;
  /** Delay lip sync adds to the loudest audio track so it waits for video held for repairs, ms. */
  audioExtraDelayMs: number;
  /** Frames of concealment played to deepen the audio buffer towards a higher target (not losses). */
  audioFramesStretched: number;
  /** Frames of tracks this client does not play, or beyond the per-peer track limit: dropped. */
  framesIgnored: number;
  videoTracks: RemoteVideoTrackStats[];
  audioTracks: RemoteAudioTrackStats[];
}

export interface RemotePeerOptions {
  /** Runs on every received frame before its decoder (identity by default). */
  frameTransform?: FrameTransformConfig;
  onError?: (message: string) => void;
}

/**
 * What this client receives from one remote participant: one RemoteTrack per track it publishes,
 * each with its own decoder (and, for video, its own canvas). Tracks come from the peer's
 * TrackState, or from a frame that arrives before the announcement; a TrackState that no longer
 * lists a track closes it. At most MAX_TRACKS_PER_PARTICIPANT tracks: a peer cannot make this page
 * start more decoders than that. Closing the peer closes them all.
 */
export class RemotePeer {
  readonly sessionId: number;
  readonly username: string;
  /** Who they are, from the server (two peers may share a display name, never an identity). */
  readonly identity: string;
  readonly guest: boolean;
  /** Lip sync for this participant, shared by its audio and video tracks. */
  readonly #avSync = new AvSyncClock();
  #context: RemoteTrackContext;
  #tracks = new Map<number, RemoteTrack>();
  /**
   * Tracks the peer's announcement withdrew: their last frames may still arrive after it (another
   * stream, datagrams) and must not bring the track back. Announcing the id again lifts this.
   */
  #withdrawn = new Set<number>();
  #framesIgnored = 0;
  #closed = false;

  constructor(
    session: MeetingSession,
    participant: RemoteParticipant,
    output: AudioOutput | undefined,
    options: RemotePeerOptions = {},
  ) {
    this.sessionId = participant.sessionId;
    this.username = participant.username;
    this.identity = participant.identity;
    this.guest = participant.guest;
    this.#context = {
      senderSessionId: participant.sessionId,
      requestKeyframe: (trackId) => {
        if (!session.isClosed) session.requestKeyframe(this.sessionId, trackId);
      },
      output,
      frameTransform: options.frameTransform,
      onError: options.onError ?? (() => {}),
      avSync: this.#avSync,
      roundTripMs: () => session.stats().rttMs,
      receives: (trackId) => {
        const subscriptions = session.subscriptions;
        if (subscriptions.mode === "all") return true;
        return subscriptions.tracks.some(
          (track) => track.sessionId === this.sessionId && track.trackId === trackId,
        );
      },
    };
    this.updateTracks(participant.tracks);
  }

  /** Every track, by track id. */
  get tracks(): ReadonlyMap<number, RemoteTrack> {
    return this.#tracks;
  }

  /** The video tracks in track id order (the order of their tiles). */
  get videoTracks(): RemoteVideoTrack[] {
    return [...this.#tracks.values()]
      .filter((track): track is RemoteVideoTrack => track.kind === "video")
      .sort((a, b) => a.trackId - b.trackId);
  }

  get audioTracks(): RemoteAudioTrack[] {
    return [...this.#tracks.values()].filter((track): track is RemoteAudioTrack => track.kind === "audio");
  }

  /** True when the peer publishes an unmuted video track. */
  get cameraOn(): boolean {
    return this.videoTracks.some((track) => track.info !== undefined && !track.muted);
  }

  get microphoneOn(): boolean {
    return this.audioTracks.some((track) => track.info !== undefined && !track.muted);
  }

  /**
   * The peer's announcement: new tracks are made, changed ones updated, tracks of another kind
   * remade, and announced tracks it no longer lists closed (frames that come after for them are
   * ignored). A track known only from its frames stays until the peer leaves (its announcement may
   * still be on the way).
   */
  updateTracks(tracks: readonly TrackInfo[]): void {
    if (this.#closed) return;
    const listed = new Set<number>();
    for (const info of tracks) {
      const kind = remoteTrackKind(info.kind);
      if (!kind) continue;
      listed.add(info.trackId);
      this.#withdrawn.delete(info.trackId);
      const existing = this.#tracks.get(info.trackId);
      if (existing && existing.kind === kind) {
        existing.announce(info);
        continue;
      }
      existing?.close();
      this.#tracks.delete(info.trackId);
      this.#create(info.trackId, kind, info);
    }
    for (const [trackId, track] of this.#tracks) {
      if (track.info !== undefined && !listed.has(trackId)) {
        track.close();
        this.#tracks.delete(trackId);
        if (this.#withdrawn.size >= MAX_TRACKS_PER_PARTICIPANT) this.#withdrawn.clear(); // bounded
        this.#withdrawn.add(trackId);
      }
    }
  }

  receive(media: Media): void {
    if (this.#closed) return;
    const kind = remoteTrackKind(media.kind);
    let track = this.#tracks.get(media.trackId);
    if (!kind || (track && track.kind !== kind) || (!track && this.#withdrawn.has(media.trackId))) {
      this.#framesIgnored++;
      return;
    }
    track ??= this.#create(media.trackId, kind, undefined);
    if (!track) {
      this.#framesIgnored++;
      return;
    }
    track.receive(media);
  }

  stats(): PeerStats {
    const nowMs = performance.now();
    const video = this.videoTracks.map((track) => track.stats());
    const audio = this.audioTracks.map((track) => track.stats());
    const sum = <T>(items: T[], field: (item: T) => number) =>
      items.reduce((total, item) => total + field(item), 0);
    const biggest = video.reduce<RemoteVideoTrackStats | undefined>(
      (best, track) => (!best || track.framesDecoded > best.framesDecoded ? track : best),
      undefined,
    );
    const loudest = audio.reduce<RemoteAudioTrackStats | undefined>(
      (best, track) => (!best || track.rms > best.rms ? track : best),
      undefined,
    );
    return {
      sessionId: this.sessionId,
      username: this.username,
      videoFramesReceived: sum(video, (t) => t.framesReceived),
      videoFramesDecoded: sum(video, (t) => t.framesDecoded),
      videoFps: sum(video, (t) => t.fps),
      videoWidth: biggest?.width ?? 0,
      videoHeight: biggest?.height ?? 0,
      keyframeRequests: sum(video, (t) => t.keyframeRequests),
      glassToGlassMs: biggest?.captureToRenderMs ?? Number.NaN,
      videoCaptureToArrivalMs: biggest?.captureToArrivalMs ?? Number.NaN,
      videoCaptureToDecodeStartMs: biggest?.captureToDecodeStartMs ?? Number.NaN,
      videoCaptureToDecodedMs: biggest?.captureToDecodedMs ?? Number.NaN,
      avSyncHoldMs: biggest?.avSyncHoldMs ?? 0,
      videoPlayoutDelayMs: biggest?.playoutDelayMs ?? 0,
      audioPathMs: this.#avSync.audioPathMs(nowMs),
      videoPlanMs: this.#avSync.videoPlanMs(nowMs),
      audioFramesReceived: sum(audio, (t) => t.framesReceived),
      audioFramesDecoded: sum(audio, (t) => t.framesDecoded),
      audioRms: loudest?.rms ?? 0,
      jitterBufferDepthMs: loudest?.depthMs ?? 0,
      jitterBufferTargetMs: loudest?.targetDepthMs ?? 0,
      audioJitterMs: loudest?.jitterMs ?? 0,
      audioFramesConcealed: sum(audio, (t) => t.framesConcealed),
      audioFramesLate: sum(audio, (t) => t.framesLate),
      audioExtraDelayMs: loudest?.extraDelayMs ?? 0,
      audioFramesStretched: sum(audio, (t) => t.framesStretched),
      framesIgnored: this.#framesIgnored,
      videoTracks: video,
      audioTracks: audio,
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const track of this.#tracks.values()) track.close();
    this.#tracks.clear();
  }

  #create(trackId: number, kind: "video" | "audio", info: TrackInfo | undefined): RemoteTrack | undefined {
    if (this.#tracks.size >= MAX_TRACKS_PER_PARTICIPANT) {
      // An announced track takes the place of one known only from its frames.
      const unannounced = info && [...this.#tracks.values()].find((track) => track.info === undefined);
      if (!unannounced) return undefined;
      unannounced.close();
      this.#tracks.delete(unannounced.trackId);
    }
    const track =
      kind === "video"
        ? new RemoteVideoTrack(trackId, info, this.#context)
        : new RemoteAudioTrack(trackId, info, this.#context);
    this.#tracks.set(trackId, track);
    return track;
  }
}
