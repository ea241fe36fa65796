import type { CallController } from "../call/call-controller.ts";
import { isInCall } from "../call/call-phase.ts";
import { failureMessage } from "../call/failure-message.ts";
import { translate } from "../i18n/i18n.ts";
import type { PeerHook, VideocallHooks } from "./videocall-hooks.ts";

/** A remote track's tile as rendered (what the user sees), or null. */
function trackTile(sessionId: number, trackId: number): Element | null {
  return document.querySelector(`.tile.remote[data-session-id="${sessionId}"][data-track-id="${trackId}"]`);
}

/** Defines `window.videocall` as getters over the controller's signals: the hooks hold no state. */
export function installHooks(controller: CallController): void {
  const phase = () => controller.phase.value;
  const hooks: VideocallHooks = {
    get state() {
      return phase().kind;
    },
    get sessionId() {
      const current = phase();
      return current.kind === "joined" ? current.sessionId : undefined;
    },
    get transport() {
      const current = phase();
      return isInCall(current) ? current.transport : undefined;
    },
    get error() {
      const current = phase();
      return current.kind === "failed" ? translate(failureMessage(current.failure)) : undefined;
    },
    get closeCode() {
      const current = phase();
      return current.kind === "failed" ? current.failure.closeCode : undefined;
    },
    get mediaWarnings() {
      return controller.warnings.value.map(translate);
    },
    peers() {
      const result: Record<number, PeerHook> = {};
      for (const stats of controller.peerStats()) {
        result[stats.sessionId] = {
          username: stats.username,
          videoFramesDecoded: stats.videoFramesDecoded,
          videoFps: stats.videoFps,
          audioFramesDecoded: stats.audioFramesDecoded,
          audioRms: stats.audioRms,
          jitterBufferDepthMs: stats.jitterBufferDepthMs,
          // What the user sees: the tile in the rendered page, not the page's own bookkeeping.
          hasTile: document.querySelector(`.tile.remote[data-session-id="${stats.sessionId}"]`) !== null,
          videoTracks: stats.videoTracks.map((track) => ({
            trackId: track.trackId,
            framesDecoded: track.framesDecoded,
            transformErrors: track.transformErrors,
            decoderErrors: track.decoderErrors,
            waitingForKeys: track.waitingForKeys,
            layer: track.layer,
            width: track.width,
            height: track.height,
            framesByLayer: track.framesByLayer,
            subscribedWidthPx: controller.subscribedSize(stats.sessionId, track.trackId)?.widthPx,
            subscribedHeightPx: controller.subscribedSize(stats.sessionId, track.trackId)?.heightPx,
            hasTile: trackTile(stats.sessionId, track.trackId) !== null,
            screen: controller.tiles.value.some(
              (tile) => tile.sessionId === stats.sessionId && tile.trackId === track.trackId && tile.screen,
            ),
            large: trackTile(stats.sessionId, track.trackId)?.classList.contains("dominant") ?? false,
          })),
          audioTracks: stats.audioTracks.map((track) => ({
            trackId: track.trackId,
            framesDecoded: track.framesDecoded,
            rms: track.rms,
          })),
        };
      }
      return result;
    },
    local: () => controller.localSendStats(),
    speakers() {
      const info = controller.activeSpeakers.value;
      return {
        speakers: info.speakers.map(({ sessionId, level }) => ({ sessionId, level })),
        dominantSessionId: info.dominantSessionId,
        speakerView: controller.speakerView.value,
      };
    },
    grid() {
      const state = controller.gridState();
      const sent = state.subscriptions;
      return {
        ...state,
        subscriptions: sent && { mode: sent.mode, tracks: sent.mode === "explicit" ? [...sent.tracks] : [] },
      };
    },
    e2ee() {
      const security = controller.security.value;
      if (!security) return undefined;
      return {
        epoch: security.epoch,
        decrypted: security.framesDecrypted,
        rejected: security.framesRejected,
        waitingForKeys: security.framesWaitingForKeys,
        peers: security.peers.map((peer) => ({
          sessionId: peer.sessionId,
          username: peer.username,
          person: peer.person,
          safetyNumber: peer.safetyNumber?.join(" "),
          trust: peer.trust,
          keyChanged: peer.keyChanged,
          hasKey: peer.hasKey,
        })),
      };
    },
    control() {
      const state = controller.meetingState.value;
      return {
        role: controller.role.value,
        locked: state.locked,
        waitingRoom: state.waitingRoom,
        hasPassword: state.hasPassword,
        waiting: state.waiting.map(({ sessionId, displayName, identity }) => ({
          sessionId,
          displayName,
          identity,
        })),
        participants: controller.participants.value.map(({ sessionId, username, identity, role }) => ({
          sessionId,
          username,
          identity,
          role,
        })),
        mutedByHost: controller.hostMuteNotice.value?.kind,
        microphoneMuted: controller.microphoneMuted.value,
        cameraOff: controller.cameraOff.value,
      };
    },
  };
  Object.defineProperty(window, "videocall", { value: Object.freeze(hooks), configurable: true });
}
