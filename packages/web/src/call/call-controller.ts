import { batch, computed, type ReadonlySignal, signal } from "@preact/signals";
import {
  type ActiveSpeakersInfo,
  ConnectionError,
  type E2eeOptions,
  e2ee,
  type HostCommandInit,
  type HostCommandResult,
  type MeetingControlState,
  type ParticipantRoleName,
  type SelfParticipant,
  type SessionClosedInfo,
  type Subscriptions,
  type TransportKind,
} from "@videocall/client";
import {
  AudioOutput,
  type AudioProcessing,
  applyAudioProcessing,
  type CameraPublisherStats,
  DEFAULT_AUDIO_PROCESSING,
  type DeviceKind,
  listDevices,
  type MediaDeviceChoice,
  missingCapabilities,
  type PeerStats,
  probeVideoCodecs,
  type RemotePeer,
  undecodableCodecs,
  type VideoCodecChoice,
  type VideoCodecSupport,
  videoCaptureMethod,
} from "@videocall/client/media";
import {
  CloseCode,
  Codec,
  Grant,
  isFatalCloseCode,
  isRecorderIdentity,
  MediaKind,
  ParticipantRole,
} from "@videocall/protocol";
import { type Message, t } from "../i18n/i18n.ts";
import type { MeetingRoute } from "../routes.ts";
import { Call } from "./call.ts";
import { type CallFailure, type CallPhase, canJoin, canMove, isInCall } from "./call-phase.ts";
import { ChatState } from "./chat-state.ts";
import { planHotplug } from "./device-hotplug.ts";
import { loadOrCreateIdentity } from "./e2ee-identity-store.ts";
import { embeddingConfig } from "./embedding-config.ts";
import { LocalMedia } from "./local-media.ts";
import { MeetingReactions } from "./meeting-reactions.ts";
import { MutedSpeechDetector } from "./muted-speech.ts";
import { markVerified, type PeerTrust, trustOf } from "./peer-verification.ts";
import { openScreenCapture } from "./screen-capture.ts";
import { SubscriptionSender, visibleSubscriptions } from "./visible-subscriptions.ts";

const STATS_REFRESH_MS = 500;
/** Codec names as the page shows them (the same in every language). */
const CODEC_NAMES: Partial<Record<Codec, string>> = {
  [Codec.VP8]: "VP8",
  [Codec.VP9]: "VP9",
  [Codec.H264]: "H.264",
  [Codec.AV1]: "AV1",
};
/** Remote tiles per grid page (3×3): only the page shown is subscribed to. */
export const TILES_PER_PAGE = 9;

/** One tile per received video track: a participant with camera and screen share has two. */
export interface RemoteTile {
  key: string;
  sessionId: number;
  /** Undefined for the placeholder tile of a participant who sends no video. */
  trackId: number | undefined;
  /** A screen share rather than a camera. */
  screen: boolean;
  username: string;
  /** The server's identity of the participant; with the display name it makes the tile's label. */
  identity: string;
  /** The element the track renders into (the decoder worker draws on this canvas); none for a placeholder. */
  media: HTMLElement | undefined;
  /** The track is on and has decoded a frame (before that the canvas is blank: show the name). */
  videoShowing: boolean;
  microphoneOn: boolean;
  /** E2EE: frames arrive but no key for them yet; the tile says so instead of freezing. */
  waitingForKeys: boolean;
}

/** One peer as the security panel shows it (E2EE on). */
export interface PeerSecurity {
  sessionId: number;
  username: string;
  /**
   * Whom a verification is remembered for: the server's stable identity (so a second "Alice" never
   * inherits the first one's verified key), or the name from a server that sends none.
   */
  person: string;
  /** 12 groups of 5 digits, the same on both sides; undefined until the peer's identity came. */
  safetyNumber: string[] | undefined;
  emoji: string[] | undefined;
  /** Hex of the peer's identity public key (what "verified" is remembered by). */
  identityKeyHex: string | undefined;
  trust: PeerTrust;
  /** Its key changed in this call, or differs from the one the user verified before: warn. */
  keyChanged: boolean;
  hasKey: boolean;
}

export interface SecuritySnapshot {
  encrypted: boolean;
  epoch: number;
  framesDecrypted: number;
  framesWaitingForKeys: number;
  framesRejected: number;
  peers: PeerSecurity[];
}

export interface DiagnosticsSnapshot {
  transport: TransportKind;
  reconnecting: boolean;
  rttMs: number | undefined;
  sent: {
    videoFrames: number;
    width: number;
    height: number;
    bytesSent: number;
    /** Camera frames dropped unencoded because the encoder was behind. */
    framesStale: number;
    /** Why the camera sends less than it could: our CPU, our uplink, or receivers that want less. */
    limitation: "none" | "cpu" | "network" | "receiver";
    /** The sender adaptation's step (send-quality-controller.ts); undefined without a camera. */
    adaptation: CameraPublisherStats["adaptation"] | undefined;
    /** The camera's last frame, capture → out of the encoder, ms (NaN before one): a busy CPU shows here first. */
    captureToEncodedMs: number;
  };
  peers: PeerStats[];
  e2ee: SecuritySnapshot | undefined;
}

export interface MediaWarning extends Message {
  /**
   * "device": the camera or microphone could not be opened; "pipeline": audio output or an encoder
   * failed; "hotplug": the device in use was unplugged and another one took over; "browser": this
   * browser lacks what sending or receiving some media needs (support/capabilities.ts), or cannot
   * decode a codec (the others then send it one it can).
   */
  source: "device" | "pipeline" | "hotplug" | "browser";
}

/** One other participant as the participants panel lists it. */
export interface ParticipantEntry {
  sessionId: number;
  username: string;
  /** Tells two people of the same name apart. */
  identity: string;
  role: ParticipantRoleName;
  guest: boolean;
}

/** A host or co-host muted one of our tracks: the page shows it until we unmute. */
export interface HostMuteNotice {
  kind: "microphone" | "camera" | "screen";
  byUsername: string;
}

const NO_ACTIVE_SPEAKERS: ActiveSpeakersInfo = { speakers: [], dominantSessionId: 0 };

const NO_MEETING_STATE: MeetingControlState = {
  locked: false,
  waitingRoom: false,
  hasPassword: false,
  guestsAllowed: true,
  waiting: [],
  recording: false,
};

export interface LocalSendStats {
  microphoneFramesSent: number | undefined;
  cameraFramesEncoded: number | undefined;
  cameraLayers: CameraPublisherStats["layers"];
  cameraLayersMask: number | undefined;
  /** The camera's sender adaptation (level, bitrate scale, frame-rate divisor, layers dropped, why). */
  cameraAdaptation: CameraPublisherStats["adaptation"] | undefined;
  /** Our screen share's video frames encoded and its audio frames sent; undefined when not sharing (or no audio). */
  screenFramesEncoded: number | undefined;
  screenAudioFramesSent: number | undefined;
}

/** The grid's paging and the subscriptions it made (test hooks, diagnostics). */
export interface GridState {
  page: number;
  pageCount: number;
  visibleTiles: string[];
  subscriptions: Subscriptions | undefined;
}

/**
 * The meeting page's state machine and everything it owns: the local devices, the `Call` (session,
 * publishers, watcher) and the signals the views and the test hooks read. Views call its methods;
 * nothing else changes its state.
 */
export class CallController {
  readonly route: MeetingRoute;

  #phase = signal<CallPhase>({ kind: "preview", devicesReady: false });
  #microphoneMuted = signal(false);
  #cameraOff = signal(false);
  #codec = signal<VideoCodecChoice>("vp8");
  #videoCodecs = signal<VideoCodecSupport | undefined>(undefined);
  #devices = signal<Record<DeviceKind, MediaDeviceChoice[]>>({ camera: [], microphone: [] });
  #selectedDevices = signal<Record<DeviceKind, string | undefined>>({
    camera: undefined,
    microphone: undefined,
  });
  #cameraTrack = signal<MediaStreamTrack | undefined>(undefined);
  #hasMicrophone = signal(false);
  #warnings = signal<readonly MediaWarning[]>([]);
  #tiles = signal<readonly RemoteTile[]>([]);
  #diagnostics = signal<DiagnosticsSnapshot | undefined>(undefined);
  #e2eeWanted = signal(false);
  #security = signal<SecuritySnapshot | undefined>(undefined);
  /** Safety numbers computed so far, by our key and theirs (5 200 SHA-512 rounds each: not per refresh). */
  #safetyNumbers = new Map<string, e2ee.SafetyNumber>();
  #role = signal<ParticipantRoleName>("participant");
  #meetingState = signal<MeetingControlState>(NO_MEETING_STATE);
  #participants = signal<readonly ParticipantEntry[]>([]);
  #hostMuteNotice = signal<HostMuteNotice | undefined>(undefined);
  #lastCommandError = signal<string | undefined>(undefined);
  #self = signal<SelfParticipant | undefined>(undefined);
  #activeSpeakers = signal<ActiveSpeakersInfo>(NO_ACTIVE_SPEAKERS);
  #speakerView = signal(false);
  #gridPage = signal(0);
  /** Each remote tile's drawn size in device pixels, by tile key, as its ResizeObserver reports. */
  #tileSizes = new Map<string, { widthPx: number; heightPx: number }>();
  #subscriptionSender: SubscriptionSender | undefined;
  #screenSharing = signal(false);
  /** Ends the share when the browser's own "Stop sharing" ends the capture track. */
  #offScreenEnded: (() => void) | undefined;

  // Read-only views of the state above, for the components and the test hooks.
  readonly phase: ReadonlySignal<CallPhase> = this.#phase;
  readonly microphoneMuted: ReadonlySignal<boolean> = this.#microphoneMuted;
  readonly cameraOff: ReadonlySignal<boolean> = this.#cameraOff;
  readonly codec: ReadonlySignal<VideoCodecChoice> = this.#codec;
  /** What this browser encodes in real time and decodes (undefined until probed). */
  readonly videoCodecs: ReadonlySignal<VideoCodecSupport | undefined> = this.#videoCodecs;
  /** The devices to choose from, and the ones in use. */
  readonly devices: ReadonlySignal<Record<DeviceKind, MediaDeviceChoice[]>> = this.#devices;
  readonly selectedDevices: ReadonlySignal<Record<DeviceKind, string | undefined>> = this.#selectedDevices;
  /** Our camera track for the preview tile; undefined when there is none (missing, denied, released). */
  readonly cameraTrack: ReadonlySignal<MediaStreamTrack | undefined> = this.#cameraTrack;
  readonly hasMicrophone: ReadonlySignal<boolean> = this.#hasMicrophone;
  readonly warnings: ReadonlySignal<readonly MediaWarning[]> = this.#warnings;
  readonly tiles: ReadonlySignal<readonly RemoteTile[]> = this.#tiles;
  readonly pageCount: ReadonlySignal<number> = computed(() =>
    Math.max(1, Math.ceil(this.#tiles.value.length / TILES_PER_PAGE)),
  );
  /** The grid page shown, 0-based (kept within the pages there are). */
  readonly gridPage: ReadonlySignal<number> = computed(() =>
    Math.min(this.#gridPage.value, this.pageCount.value - 1),
  );
  /**
   * The remote tiles on the page shown; a shared screen, or in the speaker view the dominant
   * speaker's camera, is among them (first) even when it sits on another page.
   */
  readonly visibleTiles: ReadonlySignal<readonly RemoteTile[]> = computed(() => {
    const all = this.#tiles.value;
    const start = this.gridPage.value * TILES_PER_PAGE;
    const page = all.slice(start, start + TILES_PER_PAGE);
    // A shared screen is the presenter layout's large tile: shown whichever page it is on.
    const screen = all.find((tile) => tile.screen);
    if (!screen && !this.#speakerView.value) return page;
    const dominant = this.#activeSpeakers.value.dominantSessionId;
    const featured = screen ?? all.find((tile) => tile.sessionId === dominant && !tile.screen);
    if (!featured || page.includes(featured)) return page;
    return [featured, ...page.slice(0, TILES_PER_PAGE - 1)];
  });
  readonly diagnostics: ReadonlySignal<DiagnosticsSnapshot | undefined> = this.#diagnostics;
  /** Who the server says we are (identity, role, grants), once joined. */
  readonly self: ReadonlySignal<SelfParticipant | undefined> = this.#self;
  readonly canJoin: ReadonlySignal<boolean> = computed(() => canJoin(this.#phase.value));
  /** The pre-join toggle (from `?e2ee=1`); the meeting may also require it. */
  readonly e2eeWanted: ReadonlySignal<boolean> = this.#e2eeWanted;
  /** In an end-to-end encrypted call: the lock, the peers' safety numbers and trust. */
  readonly security: ReadonlySignal<SecuritySnapshot | undefined> = this.#security;
  /** Our role in the meeting (host, co-host, participant), as the server says. */
  readonly role: ReadonlySignal<ParticipantRoleName> = this.#role;
  readonly isHost: ReadonlySignal<boolean> = computed(() => this.#role.value !== "participant");
  /** Lock, waiting room, password and (for hosts) the waiting list. */
  readonly meetingState: ReadonlySignal<MeetingControlState> = this.#meetingState;
  /** Everyone else in the meeting, with their roles. */
  readonly participants: ReadonlySignal<readonly ParticipantEntry[]> = this.#participants;
  readonly hostMuteNotice: ReadonlySignal<HostMuteNotice | undefined> = this.#hostMuteNotice;
  /** Why the last host command was refused, until the next one. */
  readonly lastCommandError: ReadonlySignal<string | undefined> = this.#lastCommandError;
  /** Who the relay says is speaking (at most 3, loudest first) and the dominant speaker. */
  readonly activeSpeakers: ReadonlySignal<ActiveSpeakersInfo> = this.#activeSpeakers;
  /** The speaker view (dominant speaker large, the others in a strip) instead of the grid. */
  readonly speakerView: ReadonlySignal<boolean> = this.#speakerView;
  /** We are sharing our screen. */
  readonly screenSharing: ReadonlySignal<boolean> = this.#screenSharing;
  /** The server granted us screen sharing, and this browser can capture video frames. */
  readonly canShareScreen: ReadonlySignal<boolean> = computed(
    () => ((this.#self.value?.grants ?? 0) & Grant.publishScreen) !== 0 && videoCaptureMethod() !== undefined,
  );
  /** The chat panel's state: messages, unread badge, open or closed (chat-state.ts). */
  readonly chat = new ChatState();

  /** Reactions floating over tiles and the raised hands, in order. */
  readonly reactions = new MeetingReactions();
  #audioProcessing = signal<Readonly<AudioProcessing>>(DEFAULT_AUDIO_PROCESSING);
  /** Echo cancellation, noise suppression and auto gain of our microphone. */
  readonly audioProcessing: ReadonlySignal<Readonly<AudioProcessing>> = this.#audioProcessing;
  readonly #mutedSpeech = new MutedSpeechDetector();
  /** We are muted and seem to be talking: the page says so. */
  readonly mutedSpeaking: ReadonlySignal<boolean> = this.#mutedSpeech.speaking;

  #local = new LocalMedia();
  #call: Call | undefined;
  #refreshTimer: ReturnType<typeof setInterval> | undefined;
  /** Cancels the join in progress (Leave pressed in the waiting room). */
  #joinAbort: AbortController | undefined;
  #unsubscribe: Array<() => void> = [];

  constructor(route: MeetingRoute) {
    this.route = route;
    this.#e2eeWanted.value = route.e2ee;
  }

  /** The pre-join E2EE toggle. */
  setE2ee(on: boolean): void {
    if (!isInCall(this.#phase.value)) this.#e2eeWanted.value = on;
  }

  /** The user compared the safety number with this peer: remember its key as verified. */
  markPeerVerified(sessionId: number): void {
    const peer = this.#security.value?.peers.find((p) => p.sessionId === sessionId);
    if (!peer?.identityKeyHex) return;
    markVerified(peer.person, peer.identityKeyHex);
    void this.#refreshSecurity();
  }

  /** Opens camera and microphone for the preview; Join is offered once both have answered. */
  async start(): Promise<void> {
    await Promise.all([this.#local.open("camera"), this.#local.open("microphone"), this.#probeCodecs()]);
    this.#syncLocalMedia();
    // What this browser cannot do at all, said before joining (feature detection, not user agent).
    for (const missing of missingCapabilities())
      this.#warn({ key: `warning.browser.${missing}`, source: "browser" });
    await this.#refreshDeviceLists();
    navigator.mediaDevices?.addEventListener("devicechange", () => void this.#onDeviceChange());
    if (this.#phase.value.kind === "preview") this.#enter({ kind: "preview", devicesReady: true });
  }

  /** A device came or went: refresh the pickers, and replace the device in use if it is gone. */
  async #onDeviceChange(): Promise<void> {
    await this.#refreshDeviceLists();
    for (const device of ["camera", "microphone"] as const) {
      const track = this.#local[device];
      const plan = planHotplug(
        {
          deviceId: this.#selectedDevices.value[device],
          trackEnded: track?.readyState === "ended",
          missing: this.#local.errors[device]?.reason === "not-found",
        },
        this.#devices.value[device],
      );
      if (plan.kind === "keep") continue;
      await this.selectDevice(device, plan.deviceId);
      if (plan.kind === "switch") {
        this.#warn({
          key: "devices.switched",
          params: {
            device: track?.label || t(`devices.${device}`),
            fallback: plan.fallbackLabel ?? t("devices.defaultDevice"),
          },
          source: "hotplug",
        });
      }
    }
  }

  async join(): Promise<void> {
    if (!canJoin(this.#phase.value)) return;
    this.#enter({ kind: "joining" });
    let output: AudioOutput | undefined;
    try {
      // Opened inside the click handler, so browsers that need a gesture let the context run.
      output = await AudioOutput.open();
      await output.resume();
    } catch (error) {
      this.#warn({ key: "warning.audioOutput", params: { detail: String(error) }, source: "pipeline" });
    }
    let call: Call;
    const joinAbort = new AbortController();
    this.#joinAbort = joinAbort;
    try {
      call = await this.#joinCall(output, joinAbort.signal);
      // A meeting that requires E2EE but did not refuse us: join again, encrypting.
      if (call.session.e2eeRequired && !call.session.e2ee) {
        await call.session.leave();
        this.#e2eeWanted.value = true;
        call = await this.#joinCall(output, joinAbort.signal);
      }
    } catch (error) {
      if (
        error instanceof ConnectionError &&
        error.closeCode === CloseCode.e2eeRequired &&
        !this.#e2eeWanted.value &&
        e2eeSupported()
      ) {
        // The meeting requires end-to-end encryption, and this browser can: turn it on and retry.
        this.#e2eeWanted.value = true;
        try {
          call = await this.#joinCall(output, joinAbort.signal);
        } catch (retryError) {
          await output?.close();
          if (!joinAbort.signal.aborted) this.#fail(joinFailure(retryError));
          return;
        }
      } else {
        await output?.close();
        if (!joinAbort.signal.aborted) this.#fail(joinFailure(error));
        return;
      }
    } finally {
      if (this.#joinAbort === joinAbort) this.#joinAbort = undefined;
    }
    if (this.#phase.value.kind !== "joining" && this.#phase.value.kind !== "waiting") {
      await call.leave(); // left while joining
      return;
    }
    this.#attach(call);
  }

  async #joinCall(output: AudioOutput | undefined, signal: AbortSignal): Promise<Call> {
    let e2eeOptions: E2eeOptions | undefined;
    const passphrase = embeddingConfig().e2eePassphrase;
    if (typeof passphrase === "string" && passphrase !== "") {
      e2eeOptions = { mode: "passphrase", passphrase };
    } else if (this.#e2eeWanted.value) {
      const identity = await loadOrCreateIdentity(() => e2ee.generateIdentity());
      e2eeOptions = { mode: "exchange", ...(identity ? { identity } : {}) };
    }
    return await Call.join(
      {
        route: this.route,
        serverUrl: location.origin,
        codec: this.#codec.value,
        videoCodecs: this.#videoCodecs.value ?? (await probeVideoCodecs()),
        camera: this.#local.camera,
        microphone: this.#local.microphone,
        cameraOff: this.#cameraOff.value,
        microphoneMuted: this.#microphoneMuted.value,
        frameTransform: embeddingConfig().frameTransform,
        e2ee: e2eeOptions,
        onMediaError: (detail) =>
          this.#warn({ key: "warning.pipeline", params: { detail }, source: "pipeline" }),
        onWaiting: () => this.#enter({ kind: "waiting" }),
        signal,
      },
      output,
    );
  }

  /** After leaving: back to the preview (devices reopened) in this page, so Join is offered again. */
  async rejoin(): Promise<void> {
    if (this.#phase.value.kind !== "left") return;
    this.#enter({ kind: "preview", devicesReady: false });
    await this.start();
  }

  async leave(): Promise<void> {
    if (this.#phase.value.kind === "left") return;
    this.#enter({ kind: "left" });
    this.#joinAbort?.abort();
    await this.#endCall();
    this.#local.stop();
    this.#syncLocalMedia();
  }

  /** Sends a host command; resolves with the server's answer (also kept in `lastCommandError`). */
  async hostCommand(command: HostCommandInit): Promise<HostCommandResult> {
    const session = this.#call?.session;
    if (!session) return { ok: false, error: "not in the call" };
    const result = await session.hostCommand(command);
    this.#lastCommandError.value = result.ok ? undefined : result.error;
    return result;
  }

  admit(sessionIds: number[] | "all"): Promise<HostCommandResult> {
    return this.hostCommand({
      case: "admit",
      value: sessionIds === "all" ? { all: true } : { sessionIds },
    });
  }

  deny(sessionIds: number[] | "all"): Promise<HostCommandResult> {
    return this.hostCommand({ case: "deny", value: sessionIds === "all" ? { all: true } : { sessionIds } });
  }

  kick(sessionId: number, ban: boolean): Promise<HostCommandResult> {
    return this.hostCommand({ case: "kick", value: { sessionId, ban } });
  }

  muteParticipant(sessionId: number, kind: "microphone" | "camera"): Promise<HostCommandResult> {
    const mediaKind = kind === "microphone" ? MediaKind.AUDIO : MediaKind.VIDEO;
    return this.hostCommand({ case: "mute", value: { sessionId, kind: mediaKind } });
  }

  setCohost(sessionId: number, cohost: boolean): Promise<HostCommandResult> {
    return this.hostCommand({
      case: "setRole",
      value: { sessionId, role: cohost ? ParticipantRole.COHOST : ParticipantRole.PARTICIPANT },
    });
  }

  /** Lock, waiting room, or the password ("" removes it). */
  changeSettings(change: {
    locked?: boolean;
    waitingRoom?: boolean;
    password?: string;
  }): Promise<HostCommandResult> {
    return this.hostCommand({ case: "settings", value: change });
  }

  /**
   * Turns the microphone's processing on or off: on the live track when the browser allows
   * (applyConstraints), else by opening the microphone again with it (republished in the call).
   */
  async setAudioProcessing(change: Partial<AudioProcessing>): Promise<void> {
    const next = { ...this.#audioProcessing.value, ...change };
    this.#audioProcessing.value = next;
    this.#local.audioProcessing = next;
    const current = this.#local.microphone;
    if (!current || (await applyAudioProcessing(current, next))) return;
    // Chromium does not change processing on a live track: open it again (the detector's clone goes first).
    this.#mutedSpeech.stop();
    const track = await this.#local.reopenMicrophone(this.#selectedDevices.value.microphone || undefined);
    this.#syncLocalMedia();
    if (!track) return;
    track.enabled = !this.#microphoneMuted.value;
    this.#call?.replaceMicrophone(track, this.#microphoneMuted.value);
  }

  #followMutedSpeech(): void {
    const microphone = this.#local.microphone;
    if (this.#microphoneMuted.value && microphone) this.#mutedSpeech.watch(microphone);
    else this.#mutedSpeech.stop();
  }

  /** Lowers someone's raised hand (hosts and co-hosts). */
  lowerHand(sessionId: number): Promise<HostCommandResult> {
    return this.hostCommand({ case: "lowerHand", value: { sessionId } });
  }

  /** Starts or stops the server-side recording (hosts and co-hosts; refused in an E2EE meeting). */
  setRecording(start: boolean): Promise<HostCommandResult> {
    return this.hostCommand({ case: "record", value: { start } });
  }

  endMeeting(): Promise<HostCommandResult> {
    return this.hostCommand({ case: "end", value: {} });
  }

  setMicrophoneMuted(muted: boolean): void {
    if (!muted && this.#hostMuteNotice.value?.kind === "microphone") this.#hostMuteNotice.value = undefined;
    this.#microphoneMuted.value = muted;
    if (this.#call?.microphone) this.#call.microphone.setMuted(muted);
    else if (this.#local.microphone) this.#local.microphone.enabled = !muted;
    this.#followMutedSpeech();
  }

  setCameraOff(off: boolean): void {
    if (!off && this.#hostMuteNotice.value?.kind === "camera") this.#hostMuteNotice.value = undefined;
    this.#cameraOff.value = off;
    if (this.#call?.camera) this.#call.camera.setMuted(off);
    else if (this.#local.camera) this.#local.camera.enabled = !off;
  }

  /** Switches to another camera or microphone, and republishes it if we are in the call. */
  async selectDevice(device: DeviceKind, deviceId: string | undefined): Promise<void> {
    const track = await this.#local.open(device, deviceId || undefined);
    this.#syncLocalMedia();
    if (!track) return;
    if (device === "camera") {
      track.enabled = !this.#cameraOff.value;
      this.#call?.replaceCamera(track, this.#codec.value, this.#cameraOff.value);
    } else {
      track.enabled = !this.#microphoneMuted.value;
      this.#call?.replaceMicrophone(track, this.#microphoneMuted.value);
    }
  }

  /** Opens the browser's screen picker and publishes what the user picks (video and, if offered, its audio). */
  async startScreenShare(): Promise<void> {
    const call = this.#call;
    if (!call || this.#screenSharing.value || !this.canShareScreen.value) return;
    const capture = await openScreenCapture();
    if (typeof capture === "string") {
      if (capture !== "cancelled") this.#warn({ key: `warning.screen.${capture}`, source: "pipeline" });
      return;
    }
    if (this.#call !== call || this.#screenSharing.value) {
      capture.video.stop();
      capture.audio?.stop();
      return;
    }
    call.startScreenShare(capture);
    const onEnded = () => this.stopScreenShare();
    capture.video.addEventListener("ended", onEnded);
    this.#offScreenEnded = () => capture.video.removeEventListener("ended", onEnded);
    this.#screenSharing.value = true;
  }

  /** Ends the share: both tracks are unpublished, so the others' presenter layout goes back to the grid. */
  stopScreenShare(): void {
    this.#offScreenEnded?.();
    this.#offScreenEnded = undefined;
    this.#call?.stopScreenShare();
    this.#screenSharing.value = false;
  }

  setSpeakerView(on: boolean): void {
    this.#speakerView.value = on;
    this.#updateSubscriptions();
  }

  /** A new codec needs a new publisher, which takes a fresh camera track (closing one stops its track). */
  async setCodec(codec: VideoCodecChoice): Promise<void> {
    this.#codec.value = codec;
    await this.selectDevice("camera", this.#selectedDevices.value.camera);
  }

  /** What we receive from each remote participant, read when asked (for the diagnostics and the test hooks). */
  peerStats(): PeerStats[] {
    return [...(this.#call?.watcher.peers.values() ?? [])].map((peer) => peer.stats());
  }

  localSendStats(): LocalSendStats {
    const camera = this.#call?.camera?.stats();
    return {
      microphoneFramesSent: this.#call?.microphone?.framesSent,
      cameraFramesEncoded: camera?.framesEncoded,
      cameraLayers: camera?.layers ?? [],
      cameraLayersMask: camera?.layersMask,
      cameraAdaptation: camera?.adaptation,
      screenFramesEncoded: this.#call?.screen?.stats().framesEncoded,
      screenAudioFramesSent: this.#call?.screenAudio?.framesSent,
    };
  }

  /** Shows grid page `page` (0-based); the tiles that leave the page are unsubscribed. */
  setGridPage(page: number): void {
    this.#gridPage.value = Math.max(0, Math.min(Math.trunc(page), this.pageCount.value - 1));
    this.#updateSubscriptions();
  }

  /** A remote tile's drawn size changed (device pixels): the relay picks the layer from it. */
  reportTileSize(key: string, widthPx: number, heightPx: number): void {
    const previous = this.#tileSizes.get(key);
    if (previous?.widthPx === widthPx && previous.heightPx === heightPx) return;
    this.#tileSizes.set(key, { widthPx, heightPx });
    this.#updateSubscriptions();
  }

  /** The size we subscribed to a video track at, if it is subscribed (test hooks). */
  subscribedSize(sessionId: number, trackId: number): { widthPx: number; heightPx: number } | undefined {
    const sent = this.#subscriptionSender?.lastSent;
    if (sent?.mode !== "explicit") return undefined;
    const track = sent.tracks.find((entry) => entry.sessionId === sessionId && entry.trackId === trackId);
    return track ? { widthPx: track.widthPx ?? 0, heightPx: track.heightPx ?? 0 } : undefined;
  }

  gridState(): GridState {
    return {
      page: this.gridPage.value,
      pageCount: this.pageCount.value,
      visibleTiles: this.visibleTiles.value.map((tile) => tile.key),
      subscriptions: this.#subscriptionSender?.lastSent,
    };
  }

  /** Subscribes to what the grid page shows: its video at tile size, and all audio. */
  #updateSubscriptions(): void {
    const call = this.#call;
    const sender = this.#subscriptionSender;
    if (!call || !sender) return;
    const videos = this.visibleTiles.value.flatMap((tile) => {
      if (tile.trackId === undefined) return [];
      const size = this.#tileSizes.get(tile.key);
      return [
        {
          sessionId: tile.sessionId,
          trackId: tile.trackId,
          widthPx: size?.widthPx ?? 0,
          heightPx: size?.heightPx ?? 0,
        },
      ];
    });
    sender.update(visibleSubscriptions(videos));
    // The decoders of tiles coming into view start now, while their first key frames are on the way.
    for (const { sessionId, trackId } of videos) {
      const track = call.watcher.peers.get(sessionId)?.tracks.get(trackId);
      if (track?.kind === "video" && !track.muted) track.prepare();
    }
  }

  #attach(call: Call): void {
    this.#call = call;
    const { watcher, session } = call;
    this.#subscriptionSender = new SubscriptionSender((subscriptions) => {
      if (this.#call?.session === session && !session.isClosed) session.setSubscriptions(subscriptions);
    });
    this.#unsubscribe = [
      this.reactions.attach(session),
      this.chat.attach(session),
      session.events.on("tracksChanged", () => this.#updateSubscriptions()),
      watcher.events.on("peerAdded", () => this.#syncTiles()),
      watcher.events.on("peerRemoved", () => this.#syncTiles()),
      watcher.events.on("peerChanged", () => this.#syncTiles()),
      // `closeCode` is read when the client library passes it (see the report on issue 9).
      session.events.on(
        "reconnecting",
        (attempt: number, _delayMs: number, reason: string, closeCode?: number) => {
          if (!isInCall(this.#phase.value)) return;
          this.#enter({ kind: "reconnecting", attempt, reason, closeCode, transport: session.transportKind });
        },
      ),
      session.events.on("reconnected", (transport) => {
        this.#self.value = session.self;
        this.#enter({ kind: "joined", sessionId: session.sessionId, transport });
      }),
      session.events.on("closed", (info) => void this.#onClosed(info)),
      session.events.on("participantJoined", () => this.#syncParticipants()),
      session.events.on("participantLeft", () => this.#syncParticipants()),
      session.events.on("meetingStateChanged", (state) => {
        this.#meetingState.value = state;
        this.#syncParticipants();
      }),
      session.events.on("activeSpeakers", (info) => {
        this.#activeSpeakers.value = info;
        // The speaker view's large tile may be a new one: subscribe to it.
        if (this.#speakerView.value) this.#updateSubscriptions();
      }),
      session.events.on("mutedByHost", (kind, bySessionId) => {
        // The session muted the track already; the toggles follow, and the page says who did it.
        if (kind === MediaKind.AUDIO) this.setMicrophoneMuted(true);
        if (kind === MediaKind.VIDEO) this.setCameraOff(true);
        if (kind === MediaKind.SCREEN) this.stopScreenShare();
        this.#hostMuteNotice.value = {
          kind: kind === MediaKind.AUDIO ? "microphone" : kind === MediaKind.VIDEO ? "camera" : "screen",
          byUsername: session.participants.get(bySessionId)?.username ?? "",
        };
      }),
    ];
    this.#meetingState.value = session.meetingState;
    this.#syncParticipants();
    watcher.start();
    this.#self.value = session.self;
    this.#enter({ kind: "joined", sessionId: session.sessionId, transport: session.transportKind });
    this.#syncTiles();
    this.#refreshTimer = setInterval(() => this.#refresh(), STATS_REFRESH_MS);
  }

  #syncParticipants(): void {
    const session = this.#call?.session;
    batch(() => {
      this.#role.value = session?.role ?? "participant";
      // The server's recorder is a participant, but not a person: it is shown as the recording indicator.
      const people = [...(session?.participants.values() ?? [])].filter(
        (p) => !isRecorderIdentity(p.identity),
      );
      this.#participants.value = people.map((p) => ({
        sessionId: p.sessionId,
        username: p.username,
        identity: p.identity,
        role: p.role,
        guest: p.guest,
      }));
    });
  }

  async #onClosed(info: SessionClosedInfo): Promise<void> {
    if (info.byUser) return;
    this.#fail({
      closeCode: info.code,
      detail: info.reason,
      during: "call",
      fatal: isFatalCloseCode(info.code),
    });
    await this.#endCall();
  }

  /** A fatal failure ends the page's use of the devices too: the camera light goes off. */
  #fail(failure: CallFailure): void {
    this.#enter({ kind: "failed", failure });
    if (!failure.fatal) return;
    this.#local.stop();
    this.#syncLocalMedia();
  }

  /** Releases the call (not the local devices: after a non-fatal failure the user may join again). */
  async #endCall(): Promise<void> {
    this.stopScreenShare();
    const call = this.#call;
    this.#call = undefined;
    clearInterval(this.#refreshTimer);
    this.#subscriptionSender?.close();
    this.#subscriptionSender = undefined;
    this.#tileSizes.clear();
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.reactions.reset();
    batch(() => {
      this.#tiles.value = [];
      this.#diagnostics.value = undefined;
      this.#security.value = undefined;
      this.#participants.value = [];
      this.#meetingState.value = NO_MEETING_STATE;
      this.#role.value = "participant";
      this.#hostMuteNotice.value = undefined;
      this.#activeSpeakers.value = NO_ACTIVE_SPEAKERS;
    });
    await call?.leave();
  }

  #enter(next: CallPhase): void {
    const from = this.#phase.value;
    if (!canMove(from, next.kind)) {
      console.warn(`call: ignored ${from.kind} -> ${next.kind}`);
      return;
    }
    this.#phase.value = next;
  }

  #syncLocalMedia(): void {
    const { camera, microphone, errors } = this.#local;
    if (camera) camera.enabled = !this.#cameraOff.value;
    if (microphone) microphone.enabled = !this.#microphoneMuted.value;
    batch(() => {
      this.#cameraTrack.value = camera;
      this.#hasMicrophone.value = microphone !== undefined;
      this.#selectedDevices.value = {
        camera: camera?.getSettings().deviceId,
        microphone: microphone?.getSettings().deviceId,
      };
      const deviceWarnings: MediaWarning[] = [];
      for (const device of ["camera", "microphone"] as const) {
        const error = errors[device];
        if (error) deviceWarnings.push({ key: `warning.${device}.${error.reason}`, source: "device" });
      }
      this.#warnings.value = [
        ...deviceWarnings,
        ...this.#warnings.value.filter((warning) => warning.source !== "device"),
      ];
    });
    this.#followMutedSpeech();
  }

  async #refreshDeviceLists(): Promise<void> {
    this.#devices.value = await listDevices();
  }

  /** Which codecs this browser can do: the picker offers only those it encodes; the page says what it cannot decode. */
  async #probeCodecs(): Promise<void> {
    const support = await probeVideoCodecs();
    this.#videoCodecs.value = support;
    const encoders = support.encoders;
    if (encoders.length > 0 && !encoders.includes(this.#codec.value))
      this.#codec.value = encoders.includes("vp8") ? "vp8" : (encoders[0] as VideoCodecChoice);
    if (support.decoders.length === 0) {
      this.#warn({ key: "warning.browser.noWebCodecs", source: "browser" });
      return;
    }
    const missing = undecodableCodecs(support.decoders);
    if (missing.length > 0) {
      const codecs = missing.map((codec) => CODEC_NAMES[codec] ?? String(codec)).join(", ");
      this.#warn({ key: "warning.browser.decode", params: { codecs }, source: "browser" });
    }
  }

  #warn(warning: MediaWarning): void {
    const same = (other: MediaWarning) =>
      other.key === warning.key && JSON.stringify(other.params) === JSON.stringify(warning.params);
    if (this.#warnings.value.some(same)) return;
    this.#warnings.value = [...this.#warnings.value, warning];
  }

  #syncTiles(): void {
    const peers = [...(this.#call?.watcher.peers.values() ?? [])];
    const tiles = peers.flatMap(tilesOf);
    if (!sameTiles(tiles, this.#tiles.value)) {
      this.#tiles.value = tiles;
      const keys = new Set(tiles.map((tile) => tile.key));
      for (const key of this.#tileSizes.keys()) if (!keys.has(key)) this.#tileSizes.delete(key);
    }
    this.#updateSubscriptions();
  }

  #refresh(): void {
    const call = this.#call;
    if (!call) return;
    this.#syncTiles();
    const stats = call.session.stats();
    const camera = call.camera?.stats();
    this.#diagnostics.value = {
      transport: stats.transport,
      reconnecting: call.session.isReconnecting,
      rttMs: stats.rttMs,
      sent: {
        videoFrames: camera?.framesEncoded ?? 0,
        width: camera?.width ?? 0,
        height: camera?.height ?? 0,
        bytesSent: stats.bytesSent,
        framesStale: camera?.framesStale ?? 0,
        limitation: camera ? sendLimitation(camera) : "none",
        adaptation: camera?.adaptation,
        captureToEncodedMs: camera?.captureToEncodedMs ?? Number.NaN,
      },
      peers: this.peerStats(),
      e2ee: this.#security.value,
    };
    void this.#refreshSecurity();
  }

  async #refreshSecurity(): Promise<void> {
    const session = this.#call?.session;
    const meetingE2ee = session?.e2ee;
    if (!session || !meetingE2ee) {
      this.#security.value = undefined;
      return;
    }
    const own = meetingE2ee.identityPublicKey;
    const peers: PeerSecurity[] = [];
    for (const participant of session.participants.values()) {
      const state = meetingE2ee.peer(participant.sessionId);
      const theirs = state?.identityPublicKey;
      const identityKeyHex = theirs ? e2ee.toHex(theirs) : undefined;
      let number: e2ee.SafetyNumber | undefined;
      if (own && theirs && identityKeyHex) {
        const cacheKey = `${e2ee.toHex(own)}/${identityKeyHex}`;
        number = this.#safetyNumbers.get(cacheKey);
        if (!number) {
          number = await e2ee.safetyNumber(own, theirs);
          this.#safetyNumbers.set(cacheKey, number);
        }
      }
      const person = participant.identity || participant.username;
      const trust = identityKeyHex ? trustOf(person, identityKeyHex) : "unverified";
      peers.push({
        sessionId: participant.sessionId,
        username: participant.username,
        person,
        safetyNumber: number?.groups,
        emoji: number?.emoji,
        identityKeyHex,
        trust,
        keyChanged: (state?.identityChanged ?? false) || trust === "changed",
        hasKey: state?.hasKey ?? false,
      });
    }
    if (this.#call?.session !== session) return;
    const stats = meetingE2ee.stats();
    const rejected = Object.values(stats.framesDropped).reduce((sum, n) => sum + n, 0);
    const next: SecuritySnapshot = {
      encrypted: true,
      epoch: stats.epoch,
      framesDecrypted: stats.framesDecrypted,
      framesWaitingForKeys: stats.framesWaitingForKeys,
      framesRejected: rejected,
      peers,
    };
    if (JSON.stringify(next) !== JSON.stringify(this.#security.value)) this.#security.value = next;
  }
}

/** Web Crypto and workers: what the SFrame transform needs. */
function e2eeSupported(): boolean {
  return typeof crypto !== "undefined" && crypto.subtle !== undefined && typeof Worker !== "undefined";
}

/**
 * The tiles of one participant: one per video track it sends (camera, screen share), in track
 * order; a participant who sends no video still has one, with the name placeholder.
 */
function tilesOf(peer: RemotePeer): RemoteTile[] {
  const microphoneOn = peer.microphoneOn;
  const videoTracks = peer.videoTracks;
  if (videoTracks.length === 0) {
    return [
      {
        key: `${peer.sessionId}:none`,
        sessionId: peer.sessionId,
        trackId: undefined,
        screen: false,
        username: peer.username,
        identity: peer.identity,
        media: undefined,
        videoShowing: false,
        microphoneOn,
        waitingForKeys: false,
      },
    ];
  }
  return videoTracks.map((track) => ({
    key: `${peer.sessionId}:${track.trackId}`,
    sessionId: peer.sessionId,
    trackId: track.trackId,
    screen: track.info?.kind === MediaKind.SCREEN,
    username: peer.username,
    identity: peer.identity,
    media: track.canvas,
    videoShowing: !track.muted && track.stats().framesDecoded > 0 && !track.stats().waitingForKeys,
    microphoneOn,
    waitingForKeys: !track.muted && track.stats().waitingForKeys,
  }));
}

function sameTiles(a: readonly RemoteTile[], b: readonly RemoteTile[]): boolean {
  return (
    a.length === b.length &&
    a.every((tile, index) => {
      const other = b[index];
      return (
        other !== undefined &&
        tile.key === other.key &&
        tile.media === other.media &&
        tile.videoShowing === other.videoShowing &&
        tile.waitingForKeys === other.waitingForKeys &&
        tile.microphoneOn === other.microphoneOn
      );
    })
  );
}

function joinFailure(error: unknown): CallFailure {
  if (error instanceof ConnectionError) {
    const closeCode = error.closeCode;
    return {
      closeCode,
      detail: error.message,
      during: "join",
      fatal: closeCode !== undefined && isFatalCloseCode(closeCode),
    };
  }
  return { closeCode: undefined, detail: String(error), during: "join", fatal: false };
}

/**
 * Why the camera sends less than its best: the adaptation's reason when it stepped down, else
 * "receiver" when the relay wants none of the top layers it could send (small tiles, last-N).
 */
function sendLimitation(camera: CameraPublisherStats): "none" | "cpu" | "network" | "receiver" {
  if (camera.adaptation.limitation !== "none") return camera.adaptation.limitation;
  const top = camera.layers.at(-1)?.layer;
  if (top !== undefined && top > 0 && ((camera.layersMask >>> top) & 1) === 0) return "receiver";
  return "none";
}
