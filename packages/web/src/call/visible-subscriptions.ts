import type { Subscriptions, TrackSubscription } from "@videocall/client";
import { MAX_TRACK_SUBSCRIPTIONS } from "@videocall/protocol";

/** A video track on the current grid page, at the size its tile is drawn (device pixels). */
export interface VisibleVideo {
  sessionId: number;
  trackId: number;
  widthPx: number;
  heightPx: number;
}

/** Tile sizes change in bursts while the window is resized: one SetSubscriptions after they settle. */
export const SUBSCRIPTION_DEBOUNCE_MS = 250;
/** Sizes are rounded to this many pixels, so a one-pixel jitter of the layout sends nothing. */
const SIZE_STEP_PX = 16;

/**
 * What the page receives: the video tracks of the tiles on the current page, each at its drawn
 * size (the relay picks the simulcast layer from it), and every audio track through `allAudio`
 * (the relay keeps the loudest), so a meeting of any size fits in MAX_TRACK_SUBSCRIPTIONS.
 */
export function visibleSubscriptions(videos: readonly VisibleVideo[]): Subscriptions {
  const tracks: TrackSubscription[] = [];
  const seen = new Set<string>();
  for (const video of videos) {
    const key = `${video.sessionId}/${video.trackId}`;
    if (seen.has(key) || tracks.length >= MAX_TRACK_SUBSCRIPTIONS) continue;
    seen.add(key);
    tracks.push({
      sessionId: video.sessionId,
      trackId: video.trackId,
      widthPx: roundSize(video.widthPx),
      heightPx: roundSize(video.heightPx),
    });
  }
  return { mode: "explicit", tracks, allAudio: true };
}

function roundSize(px: number): number {
  if (!(px > 0)) return 0;
  return Math.max(SIZE_STEP_PX, Math.round(px / SIZE_STEP_PX) * SIZE_STEP_PX);
}

/**
 * Sends `visibleSubscriptions` when what is visible changes, debounced, and only when the result
 * differs from what was sent last.
 */
export class SubscriptionSender {
  #send: (subscriptions: Subscriptions) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pending: Subscriptions | undefined;
  #lastSent = "";
  #debounceMs: number;

  constructor(send: (subscriptions: Subscriptions) => void, debounceMs = SUBSCRIPTION_DEBOUNCE_MS) {
    this.#send = send;
    this.#debounceMs = debounceMs;
  }

  /** The subscriptions sent last (undefined before the first). */
  get lastSent(): Subscriptions | undefined {
    return this.#lastSent ? (JSON.parse(this.#lastSent) as Subscriptions) : undefined;
  }

  update(subscriptions: Subscriptions): void {
    this.#pending = subscriptions;
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.#debounceMs);
  }

  /** Sends what is pending now (on join, say). */
  flush(): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (!pending) return;
    const json = JSON.stringify(pending);
    if (json === this.#lastSent) return;
    this.#lastSent = json;
    this.#send(pending);
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = undefined;
  }
}
