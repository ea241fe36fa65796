import {
  type E2eeOptions,
  type FrameTransformConfig,
  joinMeeting,
  type MeetingSession,
  processTransportMemory,
  storageTransportMemory,
  type TransportMemory,
  VideoCodecNegotiator,
} from "@videocall/client";
import {
  type AudioOutput,
  audioCaptureMethod,
  CameraPublisher,
  MeetingWatcher,
  MicrophonePublisher,
  publishPreferences,
  type VideoCodecChoice,
  type VideoCodecSupport,
  videoCaptureMethod,
  videoCodecChoiceOf,
} from "@videocall/client/media";
import type { MeetingRoute } from "../routes.ts";
import type { ScreenCapture } from "./screen-capture.ts";

/** A screen share: one layer, sized for text (resolution kept over frame rate). */
const SCREEN_BITRATE_KBPS = 2500;
const SCREEN_FRAMERATE = 15;
const SCREEN_KEYFRAME_INTERVAL_MS = 3000;

export interface CallOptions {
  route: MeetingRoute;
  serverUrl: string;
  codec: VideoCodecChoice;
  /** What this browser encodes and decodes (probeVideoCodecs): decoders are announced, encoders bound the choice. */
  videoCodecs: VideoCodecSupport;
  camera: MediaStreamTrack | undefined;
  microphone: MediaStreamTrack | undefined;
  cameraOff: boolean;
  microphoneMuted: boolean;
  /** Runs on every frame sent and received (identity when undefined); E2EE replaces it. */
  frameTransform: FrameTransformConfig | undefined;
  /** End-to-end encryption: publishers and the watcher then use the session's SFrame transform. */
  e2ee: E2eeOptions | undefined;
  onMediaError: (message: string) => void;
  /** The meeting holds us in its waiting room; `join` resolves once a host admits us. */
  onWaiting?: () => void;
  /** Aborting it cancels a join in progress (leaving the waiting room). */
  signal?: AbortSignal;
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
  #screen: CameraPublisher | undefined;
  #screenAudio: MicrophonePublisher | undefined;
  #options: CallOptions;
  /** The camera's codec for this meeting: the user's pick unless someone cannot decode it. */
  #codecs: VideoCodecNegotiator;

  private constructor(session: MeetingSession, output: AudioOutput | undefined, options: CallOptions) {
    this.session = session;
    this.output = output;
    // With E2EE on, the session's own transform (SFrame) runs on every frame instead.
    this.#options = session.e2ee ? { ...options, frameTransform: undefined } : options;
    options = this.#options;
    this.watcher = new MeetingWatcher(session, output, {
      ...(options.frameTransform ? { frameTransform: options.frameTransform } : {}),
    });
    this.#codecs = new VideoCodecNegotiator(
      session,
      publishPreferences(options.codec, options.videoCodecs.encoders),
    );
    this.#codecs.events.on("changed", (codec) => {
      const choice = videoCodecChoiceOf(codec);
      if (choice) this.#camera?.setCodec(choice);
    });
  }

  /** The codec the camera sends now (negotiated), e.g. for the diagnostics. */
  get videoCodec(): VideoCodecChoice | undefined {
    return this.#camera?.codec;
  }

  /** `output` is opened by the caller inside the click handler, so the AudioContext may start. */
  static async join(options: CallOptions, output: AudioOutput | undefined): Promise<Call> {
    const token = await roomToken(options.serverUrl, options.route.meetingId, options.route.username);
    const password = meetingPassword(options.route.meetingId);
    const session = await joinMeeting({
      serverUrl: options.serverUrl,
      username: options.route.username,
      meetingId: options.route.meetingId,
      transport: options.route.transport,
      transportMemory: pageTransportMemory(),
      ...(options.e2ee ? { e2ee: options.e2ee } : {}),
      ...(options.onWaiting ? { onWaiting: options.onWaiting } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      videoDecoders: options.videoCodecs.decoders,
      ...(token ? { token } : {}),
      ...(password ? { password } : {}),
      // Reconnects ask the join endpoint again: the first token may have expired by then.
      ...(token
        ? {
            refreshToken: () => roomToken(options.serverUrl, options.route.meetingId, options.route.username),
          }
        : {}),
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
    this.#codecs.setPreferences(publishPreferences(codec, this.#options.videoCodecs.encoders));
    this.#camera = undefined;
    // This browser cannot capture frames: the page says so (warning.browser.*); the call goes on.
    if (!videoCaptureMethod()) return;
    this.#camera = new CameraPublisher(this.session, track, {
      codec: videoCodecChoiceOf(this.#codecs.codec) ?? codec,
      muted: off,
      ...(this.#options.frameTransform ? { frameTransform: this.#options.frameTransform } : {}),
    });
    this.#camera.onError = this.#options.onMediaError;
  }

  get screen(): CameraPublisher | undefined {
    return this.#screen;
  }

  get screenAudio(): MicrophonePublisher | undefined {
    return this.#screenAudio;
  }

  /**
   * Publishes a screen share next to the camera: its video as a SCREEN track (one layer), its audio
   * (tab or system) as an audio track of its own. A share in progress is replaced.
   */
  startScreenShare(capture: ScreenCapture): void {
    this.stopScreenShare();
    if (!videoCaptureMethod()) return;
    const frameTransform = this.#options.frameTransform
      ? { frameTransform: this.#options.frameTransform }
      : {};
    this.#screen = new CameraPublisher(this.session, capture.video, {
      source: "screen",
      simulcast: false,
      codec: videoCodecChoiceOf(this.#codecs.codec) ?? this.#options.codec,
      bitrateKbps: SCREEN_BITRATE_KBPS,
      framerate: SCREEN_FRAMERATE,
      keyframeIntervalMs: SCREEN_KEYFRAME_INTERVAL_MS,
      ...frameTransform,
    });
    this.#screen.onError = this.#options.onMediaError;
    if (capture.audio && audioCaptureMethod()) {
      this.#screenAudio = new MicrophonePublisher(this.session, capture.audio, {
        bitrateKbps: 64,
        ...frameTransform,
      });
      this.#screenAudio.onError = this.#options.onMediaError;
    }
  }

  /** Unpublishes the screen share (both tracks); closing a publisher stops its capture track. */
  stopScreenShare(): void {
    this.#screen?.close();
    this.#screenAudio?.close();
    this.#screen = undefined;
    this.#screenAudio = undefined;
  }

  replaceMicrophone(track: MediaStreamTrack, muted: boolean): void {
    this.#microphone?.close();
    this.#microphone = undefined;
    if (!audioCaptureMethod()) return;
    this.#microphone = new MicrophonePublisher(this.session, track, {
      muted,
      ...(this.#options.frameTransform ? { frameTransform: this.#options.frameTransform } : {}),
    });
    this.#microphone.onError = this.#options.onMediaError;
  }

  async leave(): Promise<void> {
    this.stopScreenShare();
    this.#camera?.close();
    this.#microphone?.close();
    this.#codecs.close();
    this.watcher.close();
    await this.session.leave();
    await this.output?.close();
  }
}

/**
 * A room token for this browser from the server's join endpoint (docs/tokens.md): the signed-in user, or a
 * guest whose identity the server keeps in a cookie, so a reload is the same person. The URL's name is the
 * display name. A server without the endpoint (an older one) gets no token: it admits guests by name.
 */
export async function roomToken(
  serverUrl: string,
  meetingId: string,
  displayName: string,
): Promise<string | undefined> {
  let response: Response;
  try {
    response = await fetch(new URL(`/api/meetings/${encodeURIComponent(meetingId)}/join`, serverUrl), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ displayName }),
      credentials: "same-origin",
    });
  } catch {
    return undefined; // unreachable: the join itself will say so
  }
  if (!response.ok) {
    await response.body?.cancel();
    return undefined;
  }
  const body = (await response.json()) as { token?: unknown };
  return typeof body.token === "string" ? body.token : undefined;
}

/** Where the password prompt keeps what the user typed, for this tab only (never in the URL). */
export function passwordStorageKey(meetingId: string): string {
  return `videocall.password.${meetingId}`;
}

function meetingPassword(meetingId: string): string | undefined {
  try {
    return sessionStorage.getItem(passwordStorageKey(meetingId)) ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * The transport that joined each server last, kept across reloads so the next join starts with it
 * (a network that drops QUIC then costs no WebTransport head start). A page that may not use
 * localStorage (sandboxed, storage blocked) keeps it for its own life only.
 */
function pageTransportMemory(): TransportMemory {
  try {
    return storageTransportMemory(globalThis.localStorage);
  } catch {
    return processTransportMemory;
  }
}
