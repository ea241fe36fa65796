/**
 * Server-side recordings (docs/recording.md): at most one running recording per meeting on this
 * node, each a MeetingRecorder that joins the meeting over WebSocket on loopback with a room token
 * this server mints (identity `recorder:<id>`, role co-host so a lock or waiting room does not hold
 * it). Files live in `<recordingsDir>/<meetingId>/<recordingId>-<sessionId>.webm`.
 */
import { joinMeeting } from "@videocall/client";
import { Codec, grantBits, RECORDER_IDENTITY_PREFIX, RECORDING_FILE_PATTERN } from "@videocall/protocol";
import { type ApiCredentials, mintRoomToken } from "../auth/room-token.ts";
import type { Logger } from "../observability/log.ts";
import { MeetingRecorder } from "./meeting-recorder.ts";

/** What meeting control asks of the recorder. */
export interface RecordingControl {
  isRecording(meetingId: string): boolean;
  /** Joins the recorder to the meeting; throws when it cannot. */
  start(meetingId: string): Promise<void>;
  /** Stops and finishes the meeting's recording, if this node runs one. */
  stop(meetingId: string): Promise<void>;
}

export interface RecordingsOptions {
  /** `<--data-dir>/recordings`. */
  readonly directory: string;
  readonly credentials: ApiCredentials;
  /** This server's own URL (known once it listens), e.g. http://127.0.0.1:8080. */
  readonly serverUrl: () => string;
  readonly log: Logger;
}

export interface RecordingFileInfo {
  readonly fileName: string;
  readonly bytes: number;
  readonly modifiedAtMs: number;
}

const RECORDER_TOKEN_TTL_SECONDS = 24 * 3600;
const MEETING_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export class Recordings implements RecordingControl {
  readonly #options: RecordingsOptions;
  readonly #running = new Map<string, MeetingRecorder>();
  readonly #starting = new Set<string>();

  constructor(options: RecordingsOptions) {
    this.#options = options;
  }

  get runningCount(): number {
    return this.#running.size;
  }

  recorder(meetingId: string): MeetingRecorder | undefined {
    return this.#running.get(meetingId);
  }

  isRecording(meetingId: string): boolean {
    return this.#running.has(meetingId) || this.#starting.has(meetingId);
  }

  async start(meetingId: string): Promise<void> {
    if (!MEETING_ID_PATTERN.test(meetingId)) throw new RangeError("bad meeting id");
    if (this.isRecording(meetingId)) return;
    this.#starting.add(meetingId);
    try {
      const directory = this.meetingDirectory(meetingId);
      await Deno.mkdir(directory, { recursive: true });
      const recordingId = newRecordingId();
      const token = await mintRoomToken(this.#options.credentials, {
        identity: `${RECORDER_IDENTITY_PREFIX}${recordingId}`,
        displayName: "Recorder",
        meetingId,
        role: "cohost",
        grants: grantBits(["subscribe"]),
        ttlSeconds: RECORDER_TOKEN_TTL_SECONDS,
      });
      const session = await joinMeeting({
        serverUrl: this.#options.serverUrl(),
        username: "Recorder",
        meetingId,
        token,
        transport: "websocket",
        reconnect: false,
        // WebM holds VP8 and VP9 only: publishers that negotiate send one of them.
        videoDecoders: [Codec.VP9, Codec.VP8],
      });
      const recorder = new MeetingRecorder(session, directory, recordingId);
      this.#running.set(meetingId, recorder);
      this.#options.log.info({ meetingId, recordingId }, "recording started");
      // The meeting ended or the recorder was closed: finish the files all the same.
      session.closed.then(() => {
        if (this.#running.get(meetingId) === recorder) void this.stop(meetingId);
      });
    } finally {
      this.#starting.delete(meetingId);
    }
  }

  async stop(meetingId: string): Promise<void> {
    const recorder = this.#running.get(meetingId);
    if (!recorder) return;
    this.#running.delete(meetingId);
    const files = await recorder.stop();
    this.#options.log.info(
      {
        meetingId,
        recordingId: recorder.recordingId,
        files: files.length,
        failedWrites: recorder.failedWrites,
      },
      "recording stopped",
    );
  }

  /** Stops every recording (server shutdown), finishing their files. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#running.keys()].map((meetingId) => this.stop(meetingId)));
  }

  meetingDirectory(meetingId: string): string {
    return `${this.#options.directory}/${meetingId}`;
  }

  /** The meeting's finished recordings, newest first; none when the directory does not exist. */
  async list(meetingId: string): Promise<RecordingFileInfo[]> {
    if (!MEETING_ID_PATTERN.test(meetingId)) return [];
    const files: RecordingFileInfo[] = [];
    try {
      for await (const entry of Deno.readDir(this.meetingDirectory(meetingId))) {
        if (!entry.isFile || !RECORDING_FILE_PATTERN.test(entry.name)) continue;
        const info = await Deno.stat(`${this.meetingDirectory(meetingId)}/${entry.name}`);
        files.push({ fileName: entry.name, bytes: info.size, modifiedAtMs: info.mtime?.getTime() ?? 0 });
      }
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
    return files.sort((a, b) => b.modifiedAtMs - a.modifiedAtMs || a.fileName.localeCompare(b.fileName));
  }

  /** The path of one finished recording, or undefined for a name that is not one (no path tricks). */
  filePath(meetingId: string, fileName: string): string | undefined {
    if (!MEETING_ID_PATTERN.test(meetingId) || !RECORDING_FILE_PATTERN.test(fileName)) return undefined;
    return `${this.meetingDirectory(meetingId)}/${fileName}`;
  }
}

/** Sorts by time: `20261201T194000Z-1a2b3c`. */
function newRecordingId(): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const random = crypto.getRandomValues(new Uint8Array(3));
  return `${stamp}-${[...random].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
