import type { RemotePeer } from "@videocall/client/media";
import { h } from "../dom.ts";

interface Tile {
  element: HTMLElement;
  setCameraOn(on: boolean): void;
  setMicrophoneOn(on: boolean): void;
}

/**
 * The grid of participant tiles: your own preview first, then one tile per remote peer. A tile shows
 * the video (or an initials placeholder while the camera is off) and the participant's name.
 */
export class TileGrid {
  readonly element = h("section", { class: "grid", "aria-label": "Participants" });
  #local: Tile | undefined;
  #peers = new Map<number, Tile>();

  setLocal(username: string, video: HTMLVideoElement): Tile {
    this.#local?.element.remove();
    this.#local = makeTile(`${username} (you)`, username, video, "local");
    this.element.prepend(this.#local.element);
    this.#layout();
    return this.#local;
  }

  get local(): Tile | undefined {
    return this.#local;
  }

  addPeer(peer: RemotePeer): void {
    if (this.#peers.has(peer.sessionId)) return;
    const tile = makeTile(peer.username, peer.username, peer.video.canvas, "remote");
    tile.element.dataset.sessionId = String(peer.sessionId);
    this.#peers.set(peer.sessionId, tile);
    this.element.append(tile.element);
    this.updatePeer(peer);
    this.#layout();
  }

  updatePeer(peer: RemotePeer): void {
    const tile = this.#peers.get(peer.sessionId);
    if (!tile) return;
    // Before the first frame the canvas is blank: keep the placeholder until video is decoded.
    tile.setCameraOn(peer.cameraOn && peer.video.stats().framesDecoded > 0);
    tile.setMicrophoneOn(peer.microphoneOn);
  }

  removePeer(sessionId: number): void {
    this.#peers.get(sessionId)?.element.remove();
    this.#peers.delete(sessionId);
    this.#layout();
  }

  hasPeer(sessionId: number): boolean {
    return this.#peers.has(sessionId) && this.element.contains(this.#peers.get(sessionId)?.element ?? null);
  }

  clearPeers(): void {
    for (const sessionId of [...this.#peers.keys()]) this.removePeer(sessionId);
  }

  /** Columns so tiles stay as large as possible: 1, 2, 2, 2, 3, 3, … */
  #layout(): void {
    const count = this.element.childElementCount;
    this.element.style.setProperty("--columns", String(Math.max(1, Math.ceil(Math.sqrt(count)))));
  }
}

function makeTile(label: string, username: string, media: HTMLElement, kind: "local" | "remote"): Tile {
  const placeholder = h("div", { class: "placeholder" }, h("span", { class: "avatar" }, initials(username)));
  const micOff = h("span", { class: "mic-off", title: "Microphone muted", hidden: true }, "muted");
  const element = h(
    "article",
    { class: `tile ${kind} camera-off`, "data-username": username },
    media,
    placeholder,
    h("footer", { class: "name" }, h("span", {}, label), micOff),
  );
  return {
    element,
    setCameraOn: (on) => element.classList.toggle("camera-off", !on),
    setMicrophoneOn: (on) => {
      micOff.hidden = on;
    },
  };
}

function initials(name: string): string {
  const parts = name
    .trim()
    .split(/[\s._-]+/)
    .filter(Boolean);
  const letters = parts.length > 1 ? `${parts[0]?.[0] ?? ""}${parts[1]?.[0] ?? ""}` : name.slice(0, 2);
  return letters.toUpperCase() || "?";
}
