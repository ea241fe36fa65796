import type { Codec, MediaKind, TrackInfo } from "@videocall/protocol";
import { TypedEmitter } from "../emitter.ts";

export interface EncodedFrame {
  keyframe: boolean;
  /** Capture time in µs since the Unix epoch on this machine's clock. */
  captureTimeUs: number;
  durationUs?: number;
  /** Spatial layer (simulcast rendition or SVC layer), 0 = lowest (the default). */
  layer?: number;
  /** Temporal layer, 0 = base (the default). */
  temporalLayer?: number;
  /** Audio: the frame's loudness, Media.audio_level's scale (0 silent .. 127 full scale); tracks published with `audioLevels`. */
  audioLevel?: number;
  /** The codec that made this frame, when it differs from the track's (frames in flight across a switch). */
  codec?: Codec;
  payload: Uint8Array;
}

/** One simulcast rendition a video track announces (TrackInfo.layers), layer 0 lowest. */
export interface LocalVideoLayer {
  layer: number;
  widthPx: number;
  heightPx: number;
  bitrateBps: number;
}

/** TrackInfo allows at most this many layers; each keeps its own sequence numbers. */
export const MAX_VIDEO_LAYERS = 4;

export interface LocalTrackStats {
  trackId: number;
  kind: MediaKind;
  muted: boolean;
  framesSent: number;
  keyframesSent: number;
  bytesSent: number;
  /** Key frame requests for this track from receivers or the relay. */
  keyframeRequests: number;
}

export type LocalTrackEvents = {
  /** A receiver (or the relay) asked for a key frame of this track: of one spatial layer, or (undefined) all. */
  keyframeRequested: (layer: number | undefined) => void;
  closed: () => void;
};

/** What a LocalTrack needs from its session: the session owns the wire, the track owns its state. */
export interface LocalTrackOwner {
  sendMedia(track: LocalTrack, sequence: number, frame: EncodedFrame): boolean;
  trackStateChanged(): void;
  trackClosed(track: LocalTrack): void;
}

/**
 * One track this client publishes (camera, microphone, screen, screen audio…), with an id the
 * session allocated. Announced to the meeting while open; `close()` withdraws it (receivers drop its
 * tile). Frames go out through `sendFrame`; the publisher that encodes them listens to
 * `keyframeRequested`.
 */
export class LocalTrack {
  readonly events = new TypedEmitter<LocalTrackEvents>();
  readonly trackId: number;
  readonly kind: MediaKind;
  /** Changed by `setCodec` (codec negotiation); receivers follow each frame's Media.codec. */
  #codec: Codec;
  /** Audio frames carry a level (TrackInfo.audio_levels): the relay may leave out quiet speakers. */
  readonly audioLevels: boolean;
  #owner: LocalTrackOwner;
  #muted: boolean;
  /** Per spatial layer: the relay forwards one layer per subscriber and switches at key frames. */
  #sequences = new Uint32Array(MAX_VIDEO_LAYERS);
  #layers: readonly LocalVideoLayer[];
  #closed = false;
  #stats = { framesSent: 0, keyframesSent: 0, bytesSent: 0, keyframeRequests: 0 };

  constructor(
    owner: LocalTrackOwner,
    init: {
      trackId: number;
      kind: MediaKind;
      codec: Codec;
      muted?: boolean;
      audioLevels?: boolean;
      layers?: readonly LocalVideoLayer[];
    },
  ) {
    this.#owner = owner;
    this.trackId = init.trackId;
    this.kind = init.kind;
    this.#codec = init.codec;
    this.audioLevels = init.audioLevels ?? false;
    this.#muted = init.muted ?? false;
    this.#layers = init.layers ?? [];
  }

  get muted(): boolean {
    return this.#muted;
  }

  get codec(): Codec {
    return this.#codec;
  }

  /** The publisher now encodes `codec` (a codec switch): announced in a TrackState, and frames carry it. */
  setCodec(codec: Codec): void {
    if (this.#closed || codec === this.#codec) return;
    this.#codec = codec;
    this.#owner.trackStateChanged();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The announcement receivers get (in every TrackState this session sends). */
  get info(): TrackInfo {
    return {
      $typeName: "videocall.v1.TrackInfo",
      trackId: this.trackId,
      kind: this.kind,
      codec: this.#codec,
      muted: this.#muted,
      layers: this.#layers.map((layer) => ({ $typeName: "videocall.v1.VideoLayer", ...layer })),
      audioLevels: this.audioLevels,
    };
  }

  /** The simulcast layers announced (empty: one layer 0). */
  get layers(): readonly LocalVideoLayer[] {
    return this.#layers;
  }

  /** Announces a new set of layers (the capture size changed, say); receivers get a TrackState. */
  setLayers(layers: readonly LocalVideoLayer[]): void {
    if (this.#closed) return;
    const same =
      layers.length === this.#layers.length &&
      layers.every((layer, i) => JSON.stringify(layer) === JSON.stringify(this.#layers[i]));
    if (same) return;
    this.#layers = layers.slice(0, MAX_VIDEO_LAYERS).map((layer) => ({ ...layer }));
    this.#owner.trackStateChanged();
  }

  stats(): LocalTrackStats {
    return { trackId: this.trackId, kind: this.kind, muted: this.#muted, ...this.#stats };
  }

  /** Tells receivers the track is muted (they show a placeholder); frames are still sent if given. */
  setMuted(muted: boolean): void {
    if (this.#closed || muted === this.#muted) return;
    this.#muted = muted;
    this.#owner.trackStateChanged();
  }

  /** Sends one encoded frame; false when it was not sent (track closed, session not connected). */
  sendFrame(frame: EncodedFrame): boolean {
    if (this.#closed) return false;
    const layer = Math.min(Math.max(Math.trunc(frame.layer ?? 0), 0), MAX_VIDEO_LAYERS - 1);
    // Stored in a Uint32Array: wraps at 2^32 as the wire's uint32 does.
    this.#sequences[layer] = this.#sequences[layer]! + 1;
    const sequence = this.#sequences[layer]!;
    if (!this.#owner.sendMedia(this, sequence, { ...frame, layer })) return false;
    this.#stats.framesSent++;
    this.#stats.bytesSent += frame.payload.byteLength;
    if (frame.keyframe) this.#stats.keyframesSent++;
    return true;
  }

  /** Withdraws the track from the meeting (a TrackState without it) and releases its listeners. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#owner.trackClosed(this);
    this.events.emit("closed");
    this.events.removeAllListeners();
  }

  /** Called by the session for a key frame request naming this track. */
  keyframeRequested(layer?: number): void {
    if (this.#closed) return;
    this.#stats.keyframeRequests++;
    this.events.emit("keyframeRequested", layer);
  }
}
