import { joinMeeting, type MeetingSession } from "@videocall/client";
import {
  type AudioOutput,
  CameraPublisher,
  MeetingWatcher,
  MicrophonePublisher,
  type VideoCodecChoice,
} from "@videocall/client/media";
import type { MeetingRoute } from "../routes.ts";

/**
 * How long WebSocket waits before joining the race. WebTransport needs more round trips before its
 * Welcome (the /api/webtransport fetch, the QUIC handshake, the CONNECT) than WebSocket does, so at
 * 100 ms RTT, or on a loaded machine, a 250 ms head start lets WebSocket win although UDP works.
 * When UDP is blocked silently this is what joining costs extra; a refused port fails at once.
 */
const WEBTRANSPORT_HEAD_START_MS = 1000;

export interface CallOptions {
  route: MeetingRoute;
  serverUrl: string;
  codec: VideoCodecChoice;
  camera: MediaStreamTrack | undefined;
  microphone: MediaStreamTrack | undefined;
  cameraOff: boolean;
  microphoneMuted: boolean;
  onMediaError: (message: string) => void;
}

/**
 * A joined meeting: the session, what we publish (camera, microphone) and what we watch (everyone
 * else). `leave()` releases all of it.
 */
export class Call {
  readonly session: MeetingSession;
  readonly watcher: MeetingWatcher;
  readonly output: AudioOutput | undefined;
  #camera: CameraPublisher | undefined;
  #microphone: MicrophonePublisher | undefined;
  #options: CallOptions;

  private constructor(session: MeetingSession, output: AudioOutput | undefined, options: CallOptions) {
    this.session = session;
    this.output = output;
    this.#options = options;
    this.watcher = new MeetingWatcher(session, output);
  }

  /** `output` is opened by the caller inside the click handler, so the AudioContext may start. */
  static async join(options: CallOptions, output: AudioOutput | undefined): Promise<Call> {
    const session = await joinMeeting({
      serverUrl: options.serverUrl,
      username: options.route.username,
      meetingId: options.route.meetingId,
      transport: options.route.transport,
      webTransportHeadStartMs: WEBTRANSPORT_HEAD_START_MS,
    });
    const call = new Call(session, output, options);
    if (options.microphone) call.replaceMicrophone(options.microphone, options.microphoneMuted);
    if (options.camera) call.replaceCamera(options.camera, options.codec, options.cameraOff);
    return call;
  }

  get camera(): CameraPublisher | undefined {
    return this.#camera;
  }

  get microphone(): MicrophonePublisher | undefined {
    return this.#microphone;
  }

  /** Publishes `track` as the camera (a new device or codec); the previous publisher stops. */
  replaceCamera(track: MediaStreamTrack, codec: VideoCodecChoice, off: boolean): void {
    this.#camera?.close();
    this.#camera = new CameraPublisher(this.session, track, { codec, muted: off });
    this.#camera.onError = this.#options.onMediaError;
  }

  replaceMicrophone(track: MediaStreamTrack, muted: boolean): void {
    this.#microphone?.close();
    this.#microphone = new MicrophonePublisher(this.session, track, { muted });
    this.#microphone.onError = this.#options.onMediaError;
  }

  async leave(): Promise<void> {
    this.#camera?.close();
    this.#microphone?.close();
    this.watcher.close();
    await this.session.leave();
    await this.output?.close();
  }
}
