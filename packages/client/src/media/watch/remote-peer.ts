import { type Media, MediaKind, type TrackInfo } from "@videocall/protocol";
import type { MeetingSession, RemoteParticipant } from "../../session/meeting-session.ts";
import type { AudioOutput } from "./audio-output.ts";
import { AudioWatcher } from "./audio-watcher.ts";
import { VideoWatcher } from "./video-watcher.ts";

export interface PeerStats {
  sessionId: number;
  username: string;
  videoFramesReceived: number;
  videoFramesDecoded: number;
  videoFps: number;
  videoWidth: number;
  videoHeight: number;
  keyframeRequests: number;
  audioFramesReceived: number;
  audioFramesDecoded: number;
  /** RMS (0..1) of this peer's audio as played in the last ~250 ms, concealment included. */
  audioRms: number;
  jitterBufferDepthMs: number;
  jitterBufferTargetMs: number;
  audioJitterMs: number;
  audioFramesConcealed: number;
  audioFramesLate: number;
}

/**
 * What this client receives from one remote participant: a video watcher (decoder worker + canvas)
 * and an audio watcher (decoder + worklet playout). Closing it releases both.
 */
export class RemotePeer {
  readonly sessionId: number;
  readonly username: string;
  readonly video: VideoWatcher;
  #audio: AudioWatcher | undefined;
  #tracks: TrackInfo[];
  #closed = false;

  constructor(session: MeetingSession, participant: RemoteParticipant, output: AudioOutput | undefined) {
    this.sessionId = participant.sessionId;
    this.username = participant.username;
    this.#tracks = participant.tracks;
    // The track id comes from the media itself: frames can arrive before the peer's TrackState.
    this.video = new VideoWatcher((trackId) => {
      if (!session.isClosed) session.requestKeyframe(this.sessionId, trackId);
    });
    if (output) this.#audio = new AudioWatcher(output);
  }

  /** True when the peer publishes an unmuted camera: otherwise the tile shows a placeholder. */
  get cameraOn(): boolean {
    return this.#tracks.some((track) => track.kind === MediaKind.VIDEO && !track.muted);
  }

  get microphoneOn(): boolean {
    return this.#tracks.some((track) => track.kind === MediaKind.AUDIO && !track.muted);
  }

  updateTracks(tracks: TrackInfo[]): void {
    const wasOn = this.cameraOn;
    this.#tracks = tracks;
    if (wasOn && !this.cameraOn) this.video.reset();
  }

  receive(media: Media): void {
    if (this.#closed) return;
    if (media.kind === MediaKind.VIDEO) this.video.receive(media);
    else if (media.kind === MediaKind.AUDIO) this.#audio?.receive(media);
  }

  stats(): PeerStats {
    const video = this.video.stats();
    const audio = this.#audio?.stats();
    return {
      sessionId: this.sessionId,
      username: this.username,
      videoFramesReceived: video.framesReceived,
      videoFramesDecoded: video.framesDecoded,
      videoFps: video.fps,
      videoWidth: video.width,
      videoHeight: video.height,
      keyframeRequests: video.keyframeRequests,
      audioFramesReceived: audio?.framesReceived ?? 0,
      audioFramesDecoded: audio?.framesDecoded ?? 0,
      audioRms: audio?.rms ?? 0,
      jitterBufferDepthMs: audio?.depthMs ?? 0,
      jitterBufferTargetMs: audio?.targetDepthMs ?? 0,
      audioJitterMs: audio?.jitterMs ?? 0,
      audioFramesConcealed: audio?.framesConcealed ?? 0,
      audioFramesLate: audio?.framesLate ?? 0,
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.video.close();
    this.#audio?.close();
  }
}
