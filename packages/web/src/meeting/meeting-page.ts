import { ConnectionError, type TransportKind } from "@videocall/client";
import { AudioOutput, listDevices, type VideoCodecChoice } from "@videocall/client/media";
import { h } from "../dom.ts";
import type { MeetingRoute } from "../routes.ts";
import { type CallState, installHooks, type PeerHook, type VideocallHooks } from "../test-hooks.ts";
import { Call } from "./call.ts";
import { DiagnosticsPanel } from "./diagnostics-panel.ts";
import { type LocalDevice, LocalMedia } from "./local-media.ts";
import { TileGrid } from "./tile-grid.ts";

const STATS_REFRESH_MS = 500;
const TRANSPORT_NAMES: Record<TransportKind, string> = {
  webtransport: "WebTransport",
  websocket: "WebSocket",
};

/**
 * The meeting page: a device preview, then the call. Owns the local devices and the Call, and
 * keeps the tiles, the toolbar and the diagnostics in step with them.
 */
export class MeetingPage {
  #root: HTMLElement;
  #route: MeetingRoute;
  #hooks: VideocallHooks;
  #local = new LocalMedia();
  #call: Call | undefined;
  #microphoneMuted = false;
  /** Camera and microphone have been opened or have failed: only then may the user join. */
  #devicesSettled = false;
  #cameraOff = false;
  #refreshTimer: ReturnType<typeof setInterval> | undefined;

  #grid = new TileGrid();
  #diagnostics = new DiagnosticsPanel();
  #preview = h("video", { autoplay: true, playsinline: true, muted: true });
  #statePill = h("span", { class: "pill" });
  #transportBadge = h("span", { class: "transport-badge", title: "Transport in use", hidden: true });
  #reconnectBanner = h("p", { class: "reconnect-banner", role: "status", hidden: true });
  #warnings = h("div", { class: "warnings", role: "status" });
  #errorBox = h("p", { class: "error", role: "alert", hidden: true });
  #cameraSelect = h("select", { "aria-label": "Camera" });
  #microphoneSelect = h("select", { "aria-label": "Microphone" });
  #codecSelect = h(
    "select",
    { "aria-label": "Video codec" },
    h("option", { value: "vp8" }, "VP8"),
    h("option", { value: "vp9" }, "VP9"),
    h("option", { value: "h264" }, "H.264"),
  );
  #muteButton = h("button", { class: "toggle", type: "button" }, "Mute");
  #cameraButton = h("button", { class: "toggle", type: "button" }, "Camera off");
  #joinButton = h("button", { class: "primary", type: "button" }, "Join");
  #leaveButton = h("button", { class: "danger", type: "button", hidden: true }, "Leave");

  constructor(root: HTMLElement, route: MeetingRoute) {
    this.#root = root;
    this.#route = route;
    this.#hooks = installHooks(
      () => this.#peerHooks(),
      () => ({
        microphoneFramesSent: this.#call?.microphone?.framesSent,
        cameraFramesEncoded: this.#call?.camera?.stats().framesEncoded,
      }),
    );
  }

  async start(): Promise<void> {
    document.title = `${this.#route.meetingId} · videocall`;
    this.#render();
    this.#setState("preview");
    // The preview muted attribute is not enough for autoplay in every browser: set the property too.
    this.#preview.muted = true;
    await Promise.all([this.#local.open("camera"), this.#local.open("microphone")]);
    this.#showLocalPreview();
    this.#showWarnings();
    await this.#refreshDeviceLists();
    this.#devicesSettled = true;
    this.#joinButton.disabled = false;
  }

  #render(): void {
    this.#preview.setAttribute("aria-label", "Your camera");
    this.#grid.setLocal(this.#route.username, this.#preview);
    this.#joinButton.disabled = true;
    this.#joinButton.addEventListener("click", () => void this.#join());
    this.#leaveButton.addEventListener("click", () => void this.#leave());
    this.#muteButton.addEventListener("click", () => this.#setMicrophoneMuted(!this.#microphoneMuted));
    this.#cameraButton.addEventListener("click", () => this.#setCameraOff(!this.#cameraOff));
    this.#cameraSelect.addEventListener("change", () => void this.#switchDevice("camera"));
    this.#microphoneSelect.addEventListener("change", () => void this.#switchDevice("microphone"));
    this.#codecSelect.addEventListener("change", () => void this.#switchDevice("camera"));
    this.#diagnostics.update(undefined);

    const header = h(
      "header",
      { class: "topbar" },
      h("span", { class: "brand" }, "videocall"),
      h("span", { class: "meeting-id", title: "Meeting id" }, this.#route.meetingId),
      this.#statePill,
      this.#transportBadge,
    );
    const toolbar = h(
      "nav",
      { class: "toolbar", "aria-label": "Call controls" },
      h(
        "div",
        { class: "devices" },
        h("label", {}, "Microphone", this.#microphoneSelect),
        h("label", {}, "Camera", this.#cameraSelect),
        h("label", {}, "Codec", this.#codecSelect),
      ),
      h(
        "div",
        { class: "actions" },
        this.#muteButton,
        this.#cameraButton,
        this.#joinButton,
        this.#leaveButton,
      ),
    );
    const stage = h("div", { class: "stage" }, this.#grid.element, this.#diagnostics.element);
    this.#root.replaceChildren(
      h(
        "div",
        { class: "meeting" },
        header,
        this.#reconnectBanner,
        this.#warnings,
        this.#errorBox,
        stage,
        toolbar,
      ),
    );
  }

  async #join(): Promise<void> {
    if (this.#call || this.#hooks.state === "joining") return;
    this.#setState("joining");
    this.#showError(undefined);
    let output: AudioOutput | undefined;
    try {
      // Created inside the click handler, so browsers that need a gesture let the context run.
      output = await AudioOutput.open();
      await output.resume();
    } catch (error) {
      this.#addWarning(`Audio playback is unavailable: ${String(error)}`);
    }
    try {
      this.#call = await Call.join(
        {
          route: this.#route,
          serverUrl: location.origin,
          codec: this.#codecSelect.value as VideoCodecChoice,
          camera: this.#local.camera,
          microphone: this.#local.microphone,
          cameraOff: this.#cameraOff,
          microphoneMuted: this.#microphoneMuted,
          onMediaError: (message) => this.#addWarning(message),
        },
        output,
      );
    } catch (error) {
      await output?.close();
      this.#setState("error");
      this.#showError(error instanceof ConnectionError ? `Could not join: ${error.message}` : String(error));
      return;
    }
    const call = this.#call;
    const { watcher, session } = call;
    watcher.events.on("peerAdded", (peer) => this.#grid.addPeer(peer));
    watcher.events.on("peerRemoved", (peer) => this.#grid.removePeer(peer.sessionId));
    watcher.events.on("peerChanged", (peer) => this.#grid.updatePeer(peer));
    watcher.start();
    session.events.on("reconnecting", (attempt, _delayMs, reason) => {
      this.#reconnectBanner.textContent = `Connection lost — reconnecting (attempt ${attempt})…`;
      this.#reconnectBanner.title = reason;
      this.#reconnectBanner.hidden = false;
      this.#setState("reconnecting");
    });
    session.events.on("reconnected", (transport) => {
      this.#reconnectBanner.hidden = true;
      this.#hooks.sessionId = session.sessionId;
      this.#showTransport(transport);
      this.#setState("joined");
    });
    session.events.on("closed", (info) => {
      this.#reconnectBanner.hidden = true;
      if (info.byUser) return;
      void this.#endCall();
      this.#setState("error");
      this.#showError(`Disconnected from the meeting: ${info.reason || `code ${info.code}`}`);
    });
    this.#hooks.sessionId = session.sessionId;
    this.#showTransport(session.transportKind);
    this.#refreshTimer = setInterval(() => this.#refresh(), STATS_REFRESH_MS);
    this.#setState("joined");
  }

  async #leave(): Promise<void> {
    await this.#endCall();
    this.#local.stop();
    this.#preview.srcObject = null;
    this.#grid.local?.setCameraOn(false);
    this.#setState("left");
    const rejoin = h("button", { class: "primary", type: "button" }, "Rejoin");
    rejoin.addEventListener("click", () => location.reload());
    this.#root
      .querySelector(".stage")
      ?.replaceChildren(
        h(
          "div",
          { class: "card left-card" },
          h("h2", {}, "You left the meeting"),
          h("p", { class: "muted" }, `Meeting ${this.#route.meetingId}`),
          rejoin,
        ),
      );
  }

  async #endCall(): Promise<void> {
    const call = this.#call;
    this.#call = undefined;
    clearInterval(this.#refreshTimer);
    this.#grid.clearPeers();
    this.#diagnostics.update(undefined);
    this.#hooks.sessionId = undefined;
    this.#showTransport(undefined);
    if (call) await call.leave();
  }

  #setMicrophoneMuted(muted: boolean): void {
    this.#microphoneMuted = muted;
    if (this.#call?.microphone) this.#call.microphone.setMuted(muted);
    else if (this.#local.microphone) this.#local.microphone.enabled = !muted;
    this.#muteButton.textContent = muted ? "Unmute" : "Mute";
    this.#muteButton.classList.toggle("active", muted);
    this.#grid.local?.setMicrophoneOn(!muted);
  }

  #setCameraOff(off: boolean): void {
    this.#cameraOff = off;
    if (this.#call?.camera) this.#call.camera.setMuted(off);
    else if (this.#local.camera) this.#local.camera.enabled = !off;
    this.#cameraButton.textContent = off ? "Camera on" : "Camera off";
    this.#cameraButton.classList.toggle("active", off);
    this.#grid.local?.setCameraOn(!off && this.#local.camera !== undefined);
  }

  /** A device (or the codec) changed: reopen it, and republish it if we are in the call. */
  async #switchDevice(device: LocalDevice): Promise<void> {
    const select = device === "camera" ? this.#cameraSelect : this.#microphoneSelect;
    const track = await this.#local.open(device, select.value || undefined);
    this.#showWarnings();
    if (!track) return;
    if (device === "camera") {
      track.enabled = !this.#cameraOff;
      this.#showLocalPreview();
      this.#call?.replaceCamera(track, this.#codecSelect.value as VideoCodecChoice, this.#cameraOff);
    } else {
      track.enabled = !this.#microphoneMuted;
      this.#call?.replaceMicrophone(track, this.#microphoneMuted);
    }
  }

  #showLocalPreview(): void {
    const camera = this.#local.camera;
    this.#preview.srcObject = camera ? new MediaStream([camera]) : null;
    this.#grid.local?.setCameraOn(camera !== undefined && !this.#cameraOff);
    this.#cameraButton.disabled = camera === undefined;
    this.#muteButton.disabled = this.#local.microphone === undefined;
  }

  async #refreshDeviceLists(): Promise<void> {
    const devices = await listDevices();
    const fill = (
      select: HTMLSelectElement,
      choices: { deviceId: string; label: string }[],
      current?: string,
    ) => {
      select.replaceChildren(
        ...choices.map((choice) =>
          h("option", { value: choice.deviceId, selected: choice.deviceId === current }, choice.label),
        ),
      );
      if (choices.length === 0) select.append(h("option", { value: "" }, "None available"));
      select.disabled = choices.length === 0;
    };
    fill(this.#cameraSelect, devices.camera, this.#local.camera?.getSettings().deviceId);
    fill(this.#microphoneSelect, devices.microphone, this.#local.microphone?.getSettings().deviceId);
  }

  #showWarnings(): void {
    const messages: string[] = [];
    const { camera, microphone } = this.#local.errors;
    if (camera)
      messages.push(`${camera.message} You can still join: others will see your name instead of video.`);
    if (microphone) messages.push(`${microphone.message} You can still join and listen.`);
    this.#hooks.mediaWarnings = messages;
    this.#warnings.replaceChildren(
      ...messages.map((text) => h("p", { class: "warning", "data-testid": "media-warning" }, text)),
    );
  }

  #addWarning(message: string): void {
    if (this.#hooks.mediaWarnings.includes(message)) return;
    this.#hooks.mediaWarnings = [...this.#hooks.mediaWarnings, message];
    this.#warnings.append(h("p", { class: "warning" }, message));
  }

  #showError(message: string | undefined): void {
    this.#hooks.error = message;
    this.#errorBox.hidden = message === undefined;
    this.#errorBox.textContent = message ?? "";
  }

  #showTransport(transport: TransportKind | undefined): void {
    this.#hooks.transport = transport;
    this.#transportBadge.hidden = transport === undefined;
    this.#transportBadge.textContent = transport ? TRANSPORT_NAMES[transport] : "";
    if (transport) this.#transportBadge.dataset.transport = transport;
  }

  #setState(state: CallState): void {
    this.#hooks.state = state;
    this.#statePill.textContent = {
      preview: "Preview",
      joining: "Joining…",
      joined: "In call",
      reconnecting: "Reconnecting…",
      left: "Left",
      error: "Error",
    }[state];
    this.#statePill.dataset.state = state;
    this.#root.dataset.state = state;
    const inCall = state === "joined" || state === "reconnecting";
    this.#joinButton.hidden = inCall || state === "left";
    // Not before the devices have answered: joining earlier would silently leave the microphone
    // (or camera) out of the call.
    this.#joinButton.disabled = state === "joining" || !this.#devicesSettled;
    this.#leaveButton.hidden = !inCall;
  }

  #refresh(): void {
    const call = this.#call;
    if (!call) return;
    const peers = [...call.watcher.peers.values()];
    for (const peer of peers) this.#grid.updatePeer(peer);
    const stats = call.session.stats();
    const camera = call.camera?.stats();
    this.#diagnostics.update({
      transport: call.session.isReconnecting
        ? `${TRANSPORT_NAMES[stats.transport]} (reconnecting)`
        : TRANSPORT_NAMES[stats.transport],
      rttMs: stats.rttMs,
      sent: {
        videoFrames: camera?.framesEncoded ?? 0,
        videoSkipped: camera?.framesSkipped ?? 0,
        resolution: camera?.width ? `${camera.width}×${camera.height}` : "no video",
        bytesSent: stats.bytesSent,
      },
      peers: peers.map((peer) => peer.stats()),
    });
  }

  #peerHooks(): Record<number, PeerHook> {
    const result: Record<number, PeerHook> = {};
    for (const peer of this.#call?.watcher.peers.values() ?? []) {
      const stats = peer.stats();
      result[peer.sessionId] = {
        username: peer.username,
        videoFramesDecoded: stats.videoFramesDecoded,
        videoFps: stats.videoFps,
        audioFramesDecoded: stats.audioFramesDecoded,
        audioRms: stats.audioRms,
        jitterBufferDepthMs: stats.jitterBufferDepthMs,
        hasTile: this.#grid.hasPeer(peer.sessionId),
      };
    }
    return result;
  }
}
