import {
  MAX_TRACK_ID,
  MAX_TRACK_SUBSCRIPTIONS,
  type SetSubscriptions,
  SubscriptionMode,
} from "@videocall/protocol";
import { trackKey } from "./track-key.ts";

/** A `max_layer` that lets every layer through. */
export const EVERY_LAYER = 0xffffffff;

/** What one subscriber asked for: undefined is ALL mode, otherwise the highest layer per trackKey. */
export type Subscriptions = ReadonlyMap<number, number> | undefined;

/**
 * One subscriber's subscriptions: which (publisher, track, layer) it receives. ALL mode (the
 * default, and all a protocol v1 client knows) receives everything. The fan-out asks `admits`
 * for every media packet and every receiver, so it allocates nothing; a change replaces the map
 * whole (changes are rare, and the previous one tells the room what was gained).
 */
export class SubscriptionTable {
  #maxLayerByTrack: Subscriptions = undefined;

  get isAll(): boolean {
    return this.#maxLayerByTrack === undefined;
  }

  /** The track keys of an EXPLICIT table (nothing in ALL mode: everything is received). */
  get explicitTracks(): Iterable<number> {
    return this.#maxLayerByTrack?.keys() ?? [];
  }

  /** Whether a media frame of `key` at spatial layer `layer` goes to this subscriber. */
  admits(key: number, layer: number): boolean {
    const table = this.#maxLayerByTrack;
    if (table === undefined) return true;
    const maxLayer = table.get(key);
    return maxLayer !== undefined && layer <= maxLayer;
  }

  /** The highest layer received of `key`, -1 when none is. */
  maxLayerOf(key: number): number {
    return maxLayerIn(this.#maxLayerByTrack, key);
  }

  /** Replaces the subscriptions; returns the previous ones. */
  replace(next: Subscriptions): Subscriptions {
    const previous = this.#maxLayerByTrack;
    this.#maxLayerByTrack = next;
    return previous;
  }
}

/** The highest layer `subscriptions` receive of `key`, -1 when none. */
export function maxLayerIn(subscriptions: Subscriptions, key: number): number {
  if (subscriptions === undefined) return EVERY_LAYER;
  return subscriptions.get(key) ?? -1;
}

/**
 * Checks a client's SetSubscriptions like every client input: the subscriptions it asks for, or
 * why it cannot be accepted (the relay then closes with 1007). Unknown modes, an ALL request with
 * a list, more than MAX_TRACK_SUBSCRIPTIONS tracks, ids out of range and duplicates are refused.
 */
export function parseSetSubscriptions(message: SetSubscriptions): Subscriptions | string {
  if (message.mode === SubscriptionMode.ALL) {
    return message.tracks.length === 0 ? undefined : "SetSubscriptions in ALL mode lists tracks";
  }
  if (message.mode !== SubscriptionMode.EXPLICIT) return `unknown subscription mode ${message.mode}`;
  if (message.tracks.length > MAX_TRACK_SUBSCRIPTIONS) {
    return `SetSubscriptions lists ${message.tracks.length} tracks; at most ${MAX_TRACK_SUBSCRIPTIONS} are allowed`;
  }
  const table = new Map<number, number>();
  for (const track of message.tracks) {
    if (track.sessionId === 0) return "SetSubscriptions names session 0";
    if (track.trackId === 0 || track.trackId > MAX_TRACK_ID)
      return `track id ${track.trackId} is out of range`;
    const key = trackKey(track.sessionId, track.trackId);
    if (table.has(key)) return `track ${track.sessionId}/${track.trackId} is listed twice`;
    table.set(key, track.maxLayer ?? EVERY_LAYER);
  }
  return table;
}
