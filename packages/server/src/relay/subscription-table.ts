import {
  MAX_TRACK_ID,
  MAX_TRACK_SUBSCRIPTIONS,
  MAX_VIDEO_SIDE_PX,
  type SetSubscriptions,
  SubscriptionMode,
} from "@videocall/protocol";
import { trackKey } from "./track-key.ts";

/** A `max_layer` that lets every layer through. */
export const EVERY_LAYER = 0xffffffff;

/** What a subscriber asked of one track. */
export interface TrackWish {
  /** Highest spatial layer (EVERY_LAYER: no cap). */
  readonly maxLayer: number;
  /** The tile size in device pixels, clamped to MAX_VIDEO_SIDE_PX; 0 = not said. */
  readonly widthPx: number;
  readonly heightPx: number;
  readonly pinned: boolean;
}

/** What one subscriber asked for: undefined is ALL mode, otherwise its wish per trackKey. */
export type Subscriptions = ReadonlyMap<number, TrackWish> | undefined;

/** The wish of an ALL-mode subscriber: every track, every layer, no tile. */
export const WISH_ALL: TrackWish = { maxLayer: EVERY_LAYER, widthPx: 0, heightPx: 0, pinned: false };

/**
 * Which layer of one simulcast track goes to one subscriber. Exactly one layer is forwarded
 * (`current`, -1 before the first key frame); a switch to `target` happens at a key frame of
 * `target`, and until then `current` keeps flowing, so the subscriber never has a gap.
 */
export class LayerForwarding {
  current = -1;
  target: number;
  /** When the pending switch (target !== current) began, for re-asking a key frame. */
  targetSinceMs: number;

  constructor(target: number, nowMs: number) {
    this.target = target;
    this.targetSinceMs = nowMs;
  }

  get pending(): boolean {
    return this.target !== this.current;
  }

  /** Bit i set: layer i is forwarded or about to be (what LayerDemand and the bus interest need). */
  get layersMask(): number {
    return ((this.current >= 0 ? 1 << this.current : 0) | (1 << this.target)) >>> 0;
  }
}

/** What `forward` decided for one packet and subscriber. */
export const Forward = { no: 0, yes: 1, switched: 2 } as const;
export type Forward = (typeof Forward)[keyof typeof Forward];

/**
 * One subscriber's subscriptions: which (publisher, track, layer) it receives. ALL mode (the
 * default, and all a protocol v1 client knows) receives every track. A simulcast track
 * (TrackInfo.layers) has a LayerForwarding here, set by the room when subscriptions, tracks or
 * the bandwidth estimate change; other tracks pass by `max_layer`. The fan-out asks `forward`
 * for every media packet and every receiver: one or two Map lookups, no allocation.
 */
export class SubscriptionTable {
  #wishes: Subscriptions = undefined;
  /** EXPLICIT mode's `all_audio`: every audio track too, listed or not. */
  #allAudio = false;
  /** Made on the first simulcast track: most participants of a large meeting never need one. */
  #layers: Map<number, LayerForwarding> | undefined = undefined;

  get isAll(): boolean {
    return this.#wishes === undefined;
  }

  /** Whether every audio track is received (ALL mode, or EXPLICIT with `all_audio`). */
  get receivesAllAudio(): boolean {
    return this.#wishes === undefined || this.#allAudio;
  }

  /** The track keys of an EXPLICIT table (nothing in ALL mode: everything is received). */
  get explicitTracks(): Iterable<number> {
    return this.#wishes?.keys() ?? [];
  }

  /** What this subscriber asked of `key`: WISH_ALL in ALL mode, undefined when it does not receive it. */
  wishOf(key: number): TrackWish | undefined {
    return this.#wishes === undefined ? WISH_ALL : this.#wishes.get(key);
  }

  /**
   * Whether a media frame of `key` at spatial layer `layer` goes to this subscriber; `switched`
   * when it is the key frame that completes a pending layer switch (the room then updates demand).
   */
  forward(key: number, layer: number, keyframe: boolean): Forward {
    // Most subscribers of most packets (audio, single-layer video) have no simulcast entry: skip the lookup.
    const layers = this.#layers;
    const forwarding = layers === undefined || layers.size === 0 ? undefined : layers.get(key);
    if (forwarding !== undefined) {
      if (layer === forwarding.current) return Forward.yes;
      if (layer !== forwarding.target || !keyframe) return Forward.no;
      forwarding.current = layer;
      return Forward.switched;
    }
    const wishes = this.#wishes;
    if (wishes === undefined) return Forward.yes;
    const wish = wishes.get(key);
    return wish !== undefined && layer <= wish.maxLayer ? Forward.yes : Forward.no;
  }

  /** The layer forwarded of a simulcast track, -1 when none (yet), undefined for other tracks. */
  currentLayerOf(key: number): number | undefined {
    return this.#layers?.get(key)?.current;
  }

  /** The highest layer received of a single-layer (non-simulcast) track, -1 when none is. */
  maxLayerOf(key: number): number {
    return maxLayerIn(this.#wishes, key);
  }

  layerForwarding(key: number): LayerForwarding | undefined {
    return this.#layers?.get(key);
  }

  /** The simulcast tracks this subscriber receives, with their forwarding state. */
  get layerForwardings(): ReadonlyMap<number, LayerForwarding> {
    return this.#layers ?? NO_LAYER_FORWARDINGS;
  }

  /**
   * Points a simulcast track at `target`: a new track starts with nothing forwarded until the
   * target's key frame; a change of target keeps the current layer until then. Returns true when
   * a key frame of `target` is now awaited (the room asks the publisher for one).
   */
  setTarget(key: number, target: number, nowMs: number): boolean {
    this.#layers ??= new Map();
    const forwarding = this.#layers.get(key);
    if (forwarding === undefined) {
      this.#layers.set(key, new LayerForwarding(target, nowMs));
      return true;
    }
    if (forwarding.target === target) return false;
    forwarding.target = target;
    forwarding.targetSinceMs = nowMs;
    return forwarding.pending;
  }

  /** Stops layer selection for `key` (unsubscribed, gone, or no longer simulcast). */
  dropLayers(key: number): void {
    this.#layers?.delete(key);
  }

  /**
   * Replaces the subscriptions; returns the previous ones. `allAudio` (EXPLICIT mode only) adds
   * every audio track, which `forwardAudio` answers without a lookup.
   */
  replace(next: Subscriptions, allAudio = false): Subscriptions {
    const previous = this.#wishes;
    this.#wishes = next;
    this.#allAudio = next !== undefined && allAudio;
    return previous;
  }

  /** `forward` for a frame of an audio track (audio is never simulcast). */
  forwardAudio(key: number): Forward {
    if (this.#wishes === undefined || this.#allAudio) return Forward.yes;
    return this.#wishes.has(key) ? Forward.yes : Forward.no;
  }
}

const NO_LAYER_FORWARDINGS: ReadonlyMap<number, LayerForwarding> = new Map();

/** The highest layer `subscriptions` receive of `key`, -1 when none. */
export function maxLayerIn(subscriptions: Subscriptions, key: number): number {
  if (subscriptions === undefined) return EVERY_LAYER;
  return subscriptions.get(key)?.maxLayer ?? -1;
}

/**
 * Checks a client's SetSubscriptions like every client input: the subscriptions it asks for, or
 * why it cannot be accepted (the relay then closes with 1007). Unknown modes, an ALL request with
 * a list, more than MAX_TRACK_SUBSCRIPTIONS tracks, ids out of range and duplicates are refused;
 * tile sizes above MAX_VIDEO_SIDE_PX are clamped (a huge tile means "the highest layer").
 */
export function parseSetSubscriptions(message: SetSubscriptions): Subscriptions | string {
  if (message.mode === SubscriptionMode.ALL) {
    return message.tracks.length === 0 ? undefined : "SetSubscriptions in ALL mode lists tracks";
  }
  if (message.mode !== SubscriptionMode.EXPLICIT) return `unknown subscription mode ${message.mode}`;
  if (message.tracks.length > MAX_TRACK_SUBSCRIPTIONS) {
    return `SetSubscriptions lists ${message.tracks.length} tracks; at most ${MAX_TRACK_SUBSCRIPTIONS} are allowed`;
  }
  const table = new Map<number, TrackWish>();
  for (const track of message.tracks) {
    if (track.sessionId === 0) return "SetSubscriptions names session 0";
    if (track.trackId === 0 || track.trackId > MAX_TRACK_ID)
      return `track id ${track.trackId} is out of range`;
    const key = trackKey(track.sessionId, track.trackId);
    if (table.has(key)) return `track ${track.sessionId}/${track.trackId} is listed twice`;
    table.set(key, {
      maxLayer: track.maxLayer ?? EVERY_LAYER,
      widthPx: Math.min(track.widthPx, MAX_VIDEO_SIDE_PX),
      heightPx: Math.min(track.heightPx, MAX_VIDEO_SIDE_PX),
      pinned: track.pinned,
    });
  }
  return table;
}
