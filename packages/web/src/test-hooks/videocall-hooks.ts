/**
 * `window.videocall`: read-only views of the meeting page's `CallController`, for end-to-end tests
 * and for debugging from the console. Types only (no imports), so Deno tests can import them.
 *
 * - `state`: the controller's phase: "preview" (devices open, not joined) | "joining" | "waiting"
 *   (held in the waiting room until a host admits us) | "joined" |
 *   "reconnecting" (the connection dropped; the session is trying again by itself) | "left" | "failed".
 * - `sessionId`: our session id while in the call, else undefined; a reconnect gives a new one.
 * - `transport`: "webtransport" or "websocket", the transport of the current connection.
 * - `error`: the message shown to the user when joining failed or the call ended unexpectedly.
 * - `closeCode`: the close code behind `error`, when the server (or client) gave one.
 * - `mediaWarnings`: the camera / microphone / playback messages shown to the user.
 * - `peers()`: per remote session id, what we receive from that participant: `username`,
 *   `videoFramesDecoded`, `videoFps`, `audioFramesDecoded`, `audioRms` (RMS 0..1 of the audio played
 *   in the last ~250 ms), `jitterBufferDepthMs`, `hasTile` (one of its tiles is on screen), and
 *   `videoTracks`: per received video track, `trackId`, `framesDecoded`, `transformErrors`,
 *   `decoderErrors`, `hasTile` (its own tile, `data-track-id`, is on screen), and for simulcast
 *   `layer` (decoded now), `width`/`height`, `framesByLayer` and the tile size subscribed
 *   (`subscribedWidthPx`/`subscribedHeightPx`, undefined when not subscribed), `screen` (a screen
 *   share) and `large` (its tile is the presenter layout's or speaker view's large one); and
 *   `audioTracks`: per received audio track, `trackId`, `framesDecoded` and `rms`.
 * - `control()`: meeting control: our role, the settings, the waiting list (hosts only), the
 *   participants with their roles, and whether a host muted us.
 * - `grid()`: the grid page shown, the page count, the remote tiles on it, and the last
 *   SetSubscriptions sent (visible video at tile size plus every audio track).
 * - `local()`: what we send: `microphoneFramesSent` and `cameraFramesEncoded` (undefined when that
 *   device is not published), `cameraLayers` (per simulcast layer: size, bitrate, whether its
 *   encoder runs, frames and key frames encoded, "L1T3" or "") and `cameraLayersMask` (the
 *   relay's last LayerDemand), `cameraAdaptation` (the sender adaptation: `level` 0 = full,
 *   `bitrateScale`, `framerateDivisor`, `layersDropped`, `limitation` "none" | "cpu" | "network",
 *   `downgrades`, `upgrades`), `screenFramesEncoded` and `screenAudioFramesSent` while sharing.
 * - `speakers()`: the relay's active speakers (`sessionId`, smoothed `level` 0..127, loudest first),
 *   the `dominantSessionId` (0: nobody yet) and whether the page shows the `speakerView`.
 * - `e2ee()`: undefined unless the call is end-to-end encrypted; then our key `epoch`, frames
 *   `decrypted`, `rejected` (tampered, replayed, malformed) and `waitingForKeys`, and per peer
 *   `safetyNumber` (12 groups of 5 digits), `trust` ("verified" | "unverified" | "changed"),
 *   `keyChanged` and `hasKey`.
 */
export type CallStateName = "preview" | "joining" | "waiting" | "joined" | "reconnecting" | "left" | "failed";

/** Meeting control as the page knows it (docs/meeting-control.md). */
export interface MeetingControlHook {
  /** Ours: "host" | "cohost" | "participant". */
  role: string;
  locked: boolean;
  waitingRoom: boolean;
  hasPassword: boolean;
  /** Only for hosts and co-hosts: who waits in the waiting room. */
  waiting: Array<{ sessionId: number; displayName: string; identity: string }>;
  /** Everyone else, with roles. */
  participants: Array<{ sessionId: number; username: string; identity: string; role: string }>;
  /** Set while the "a host muted your …" notice shows: "microphone" | "camera" | "screen". */
  mutedByHost: string | undefined;
  microphoneMuted: boolean;
  cameraOff: boolean;
}

export interface PeerHook {
  username: string;
  videoFramesDecoded: number;
  videoFps: number;
  audioFramesDecoded: number;
  audioRms: number;
  jitterBufferDepthMs: number;
  hasTile: boolean;
  videoTracks: VideoTrackHook[];
  /** Per received audio track (microphone, screen audio): frames decoded and the RMS (0..1) played. */
  audioTracks: AudioTrackHook[];
}

export interface AudioTrackHook {
  trackId: number;
  framesDecoded: number;
  rms: number;
}

export interface VideoTrackHook {
  trackId: number;
  framesDecoded: number;
  transformErrors: number;
  decoderErrors: number;
  hasTile: boolean;
  /** A screen share (MediaKind.SCREEN) rather than a camera. */
  screen: boolean;
  /** Its tile is the large one (presenter layout, speaker view). */
  large: boolean;
  /** E2EE: the last frame had no key yet (the tile says "waiting for keys"). */
  waitingForKeys: boolean;
  /** Simulcast: the layer being decoded (-1 before any frame), the decoded size, frames per layer. */
  layer: number;
  width: number;
  height: number;
  framesByLayer: number[];
  /** The size this track's tile asked the relay for (device pixels); undefined: not subscribed. */
  subscribedWidthPx: number | undefined;
  subscribedHeightPx: number | undefined;
}

/** One simulcast layer of our camera, as its encoder in the worker reports it. */
export interface CameraLayerHook {
  layer: number;
  active: boolean;
  width: number;
  height: number;
  bitrateBps: number;
  framesEncoded: number;
  keyframesEncoded: number;
  scalabilityMode: string;
}

/** The grid's paging and what the page subscribes to. */
export interface GridHook {
  page: number;
  pageCount: number;
  /** "sessionId:trackId" of the remote tiles on the current page. */
  visibleTiles: string[];
  /** The last SetSubscriptions the page sent; undefined while it receives everything. */
  subscriptions:
    | {
        mode: string;
        tracks: Array<{ sessionId: number; trackId: number; widthPx?: number; heightPx?: number }>;
      }
    | undefined;
}

export interface LocalHook {
  microphoneFramesSent: number | undefined;
  cameraFramesEncoded: number | undefined;
  /** Per simulcast layer of our camera; empty without a camera. */
  cameraLayers: CameraLayerHook[];
  /** The relay's last LayerDemand for our camera (bit i: layer i wanted). */
  cameraLayersMask: number | undefined;
  cameraAdaptation:
    | {
        level: number;
        bitrateScale: number;
        framerateDivisor: number;
        layersDropped: number;
        limitation: string;
        downgrades: number;
        upgrades: number;
      }
    | undefined;
  /** Our screen share: video frames encoded, audio frames sent (undefined: not sharing, or no audio). */
  screenFramesEncoded: number | undefined;
  screenAudioFramesSent: number | undefined;
}

export interface SpeakersHook {
  speakers: Array<{ sessionId: number; level: number }>;
  dominantSessionId: number;
  speakerView: boolean;
}

export interface E2eePeerHook {
  sessionId: number;
  username: string;
  /** Whom a verification is remembered for: the server's stable identity (or the name, from an old server). */
  person: string;
  safetyNumber: string | undefined;
  trust: "verified" | "unverified" | "changed";
  keyChanged: boolean;
  hasKey: boolean;
}

export interface E2eeHook {
  epoch: number;
  decrypted: number;
  rejected: number;
  waitingForKeys: number;
  peers: E2eePeerHook[];
}

export interface VideocallHooks {
  readonly state: CallStateName;
  readonly sessionId: number | undefined;
  readonly transport: string | undefined;
  readonly error: string | undefined;
  readonly closeCode: number | undefined;
  readonly mediaWarnings: readonly string[];
  peers(): Record<number, PeerHook>;
  local(): LocalHook;
  grid(): GridHook;
  e2ee(): E2eeHook | undefined;
  control(): MeetingControlHook;
  speakers(): SpeakersHook;
}

declare global {
  interface Window {
    videocall: VideocallHooks;
  }
}
