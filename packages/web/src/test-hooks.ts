/**
 * `window.videocall`: read-only hooks for end-to-end tests and for debugging from the console.
 *
 * - `state`: "preview" (devices open, not joined) | "joining" | "joined" | "reconnecting" (the
 *   connection dropped; the session is trying again by itself) | "left" | "error".
 * - `sessionId`: our session id once joined, else undefined; a reconnect gives a new one.
 * - `transport`: "webtransport" or "websocket", the transport of the current connection.
 * - `error`: the message shown to the user when joining failed or the call ended unexpectedly.
 * - `mediaWarnings`: the camera / microphone messages shown to the user (missing or denied device).
 * - `peers()`: per remote session id, what we receive from that participant: `username`,
 *   `videoFramesDecoded`, `videoFps`, `audioFramesDecoded`, `audioRms` (RMS 0..1 of the audio played
 *   in the last ~250 ms), `jitterBufferDepthMs`, and `hasTile` (its tile is on screen).
 * - `local()`: what we send: `microphoneFramesSent` and `cameraFramesEncoded` (undefined when that
 *   device is not published).
 */
export type CallState = "preview" | "joining" | "joined" | "reconnecting" | "left" | "error";

export interface PeerHook {
  username: string;
  videoFramesDecoded: number;
  videoFps: number;
  audioFramesDecoded: number;
  audioRms: number;
  jitterBufferDepthMs: number;
  hasTile: boolean;
}

export interface VideocallHooks {
  state: CallState;
  sessionId: number | undefined;
  transport: string | undefined;
  error: string | undefined;
  mediaWarnings: string[];
  peers(): Record<number, PeerHook>;
  local(): LocalHook;
}

export interface LocalHook {
  microphoneFramesSent: number | undefined;
  cameraFramesEncoded: number | undefined;
}

declare global {
  interface Window {
    videocall: VideocallHooks;
  }
}

export function installHooks(peers: () => Record<number, PeerHook>, local: () => LocalHook): VideocallHooks {
  const hooks: VideocallHooks = {
    state: "preview",
    sessionId: undefined,
    transport: undefined,
    error: undefined,
    mediaWarnings: [],
    peers,
    local,
  };
  window.videocall = hooks;
  return hooks;
}
