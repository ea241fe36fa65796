/**
 * One running recording of one meeting: a participant of the meeting (the client library, joined to
 * this server over WebSocket on loopback) that writes each other participant's camera (VP8/VP9) and
 * microphone (Opus) to its own WebM file as the packets arrive, with no decode or encode. A
 * participant's file starts at its first video key frame (or first audio packet when it sends no
 * video); files are written as `.part` and renamed when finished, so a listing shows complete files only.
 */
import { Codec, type Media, MediaKind, type MeetingSession } from "@videocall/client";
import { type VpxCodec, vpxKeyframeInfo, WebmTrackWriter } from "@videocall/client/recording";
import { FilePathTarget } from "mediabunny";

export interface RecordedFile {
  readonly fileName: string;
  readonly participant: string;
  readonly durationSeconds: number;
  readonly videoFrames: number;
  readonly audioPackets: number;
}

interface ParticipantTrack {
  writer: WebmTrackWriter | undefined;
  videoTrackId: number | undefined;
  audioTrackId: number | undefined;
  keyframeAsked: boolean;
  /** H.264 and the like: WebM holds VP8/VP9 only, so that participant's video is left out. */
  unrecordable: boolean;
  readonly partPath: string;
  readonly fileName: string;
  readonly name: string;
}

export class MeetingRecorder {
  readonly #session: MeetingSession;
  readonly #directory: string;
  readonly #recordingId: string;
  readonly #tracks = new Map<number, ParticipantTrack>();
  #stopped: Promise<RecordedFile[]> | undefined;
  /** Media packets dropped because a participant's writer failed. */
  failedWrites = 0;

  constructor(session: MeetingSession, directory: string, recordingId: string) {
    this.#session = session;
    this.#directory = directory;
    this.#recordingId = recordingId;
    session.events.on("media", (from, media) => {
      try {
        this.#onMedia(from, media);
      } catch {
        this.failedWrites++; // one participant's bad packet must not stop the others' recording
      }
    });
  }

  get recordingId(): string {
    return this.#recordingId;
  }

  /** Writes queued and not done, over every file: grows when the disk does not keep up. */
  get pendingWrites(): number {
    let pending = 0;
    for (const track of this.#tracks.values()) pending += track.writer?.pendingWrites ?? 0;
    return pending;
  }

  get session(): MeetingSession {
    return this.#session;
  }

  /** Leaves the meeting, finishes every file; the same promise for every call. */
  stop(): Promise<RecordedFile[]> {
    this.#stopped ??= this.#finish();
    return this.#stopped;
  }

  async #finish(): Promise<RecordedFile[]> {
    await this.#session.leave();
    const files: RecordedFile[] = [];
    for (const track of this.#tracks.values()) {
      const writer = track.writer;
      if (!writer) continue;
      try {
        await writer.finish();
        await Deno.rename(track.partPath, `${this.#directory}/${track.fileName}`);
        files.push({
          fileName: track.fileName,
          participant: track.name,
          durationSeconds: writer.lastSeconds,
          videoFrames: writer.videoFrames,
          audioPackets: writer.audioPackets,
        });
      } catch {
        this.failedWrites++;
        await Deno.remove(track.partPath).catch(() => {});
      }
    }
    return files;
  }

  #onMedia(from: number, media: Media): void {
    if (this.#stopped) return;
    const track = this.#trackFor(from);
    if (!track) return;
    const isVideo = media.kind === MediaKind.VIDEO;
    const isAudio = media.kind === MediaKind.AUDIO && media.codec === Codec.OPUS;
    if (!isVideo && !isAudio) return; // screen shares are not recorded yet
    if (isVideo) {
      track.videoTrackId ??= media.trackId;
      if (media.trackId !== track.videoTrackId) return;
    } else {
      track.audioTrackId ??= media.trackId;
      if (media.trackId !== track.audioTrackId) return;
    }
    if (!track.writer) {
      track.writer = this.#startWriter(from, track, media, isVideo);
      if (!track.writer) return;
    }
    if (isVideo) track.writer.addVideo(media);
    else track.writer.addAudio(media);
  }

  #startWriter(
    from: number,
    track: ParticipantTrack,
    media: Media,
    isVideo: boolean,
  ): WebmTrackWriter | undefined {
    const participant = this.#session.participants.get(from);
    const sends = (kind: MediaKind) => participant?.tracks.some((t) => t.kind === kind) ?? false;
    const target = () => new FilePathTarget(track.partPath);
    if (isVideo) {
      const codec: VpxCodec | undefined =
        media.codec === Codec.VP8 ? "vp8" : media.codec === Codec.VP9 ? "vp9" : undefined;
      if (!codec) {
        track.unrecordable = true;
        return undefined;
      }
      const size = vpxKeyframeInfo(codec, media.payload);
      if (!size) {
        if (!track.keyframeAsked) this.#session.requestKeyframe(from, media.trackId);
        track.keyframeAsked = true;
        return undefined;
      }
      return new WebmTrackWriter({
        target: target(),
        originUs: Number(media.captureTimeUs),
        video: { codec, width: size.width, height: size.height },
        withAudio: sends(MediaKind.AUDIO),
      });
    }
    // Audio first: wait for the video key frame, unless the participant sends no (recordable) video.
    if (sends(MediaKind.VIDEO) && !track.unrecordable) return undefined;
    return new WebmTrackWriter({ target: target(), originUs: Number(media.captureTimeUs), withAudio: true });
  }

  #trackFor(from: number): ParticipantTrack | undefined {
    let track = this.#tracks.get(from);
    if (!track) {
      const participant = this.#session.participants.get(from);
      if (!participant) return undefined;
      const fileName = `${this.#recordingId}-${from}.webm`;
      track = {
        writer: undefined,
        videoTrackId: undefined,
        audioTrackId: undefined,
        keyframeAsked: false,
        unrecordable: false,
        partPath: `${this.#directory}/${fileName}.part`,
        fileName,
        name: participant.username,
      };
      this.#tracks.set(from, track);
    }
    return track;
  }
}
