import { type SetSubscriptions, SubscriptionMode } from "@videocall/protocol";
import { trackKey } from "./track-key.ts";

/** What SetSubscriptions asks of last-N: how many video tracks at most (0: no limit) and which are pinned. */
export interface LastNRequest {
  readonly limit: number;
  /** Track keys forwarded whatever the limit. */
  readonly pinned: ReadonlySet<number>;
}

export const NO_LAST_N: LastNRequest = { limit: 0, pinned: new Set() };

/** The last-N part of a SetSubscriptions whose tracks parseSetSubscriptions has already checked. */
export function parseLastN(message: SetSubscriptions): LastNRequest {
  if (message.lastN === 0) return NO_LAST_N;
  const pinned = new Set<number>();
  if (message.mode === SubscriptionMode.EXPLICIT) {
    for (const track of message.tracks)
      if (track.pinned) pinned.add(trackKey(track.sessionId, track.trackId));
  }
  return { limit: message.lastN, pinned };
}

/** One video track a subscriber could receive, with when its publisher last spoke. */
export interface LastNCandidate {
  readonly key: number;
  readonly lastActiveMs: number;
}

/**
 * One subscriber's last-N video selection: at most `limit` camera tracks, the most recent speakers'
 * first, plus every pinned one. The fan-out asks `admits` per video packet (a Set lookup); the
 * room recomputes the selection with `select` when speakers, tracks or subscriptions change.
 */
export class LastNSelection {
  #request: LastNRequest = NO_LAST_N;
  #selected = new Set<number>();

  get limited(): boolean {
    return this.#request.limit > 0;
  }

  admits(key: number): boolean {
    return this.#request.limit === 0 || this.#selected.has(key);
  }

  configure(request: LastNRequest): void {
    this.#request = request;
  }

  /**
   * Picks the tracks from `candidates` (in the order the room knows them: ties keep it) and returns
   * the keys newly admitted: they start at a key frame.
   */
  select(candidates: readonly LastNCandidate[]): number[] {
    const { limit, pinned } = this.#request;
    const next = new Set<number>();
    const byRecency = candidates
      .filter((candidate) => !pinned.has(candidate.key))
      .sort((a, b) => (a.lastActiveMs === b.lastActiveMs ? 0 : b.lastActiveMs - a.lastActiveMs));
    for (const candidate of byRecency.slice(0, limit)) next.add(candidate.key);
    for (const candidate of candidates) if (pinned.has(candidate.key)) next.add(candidate.key);
    const gained = [...next].filter((key) => !this.#selected.has(key));
    this.#selected = next;
    return gained;
  }
}
