import { computed, type ReadonlySignal, signal } from "@preact/signals";
import type { MeetingSession, RaisedHandInfo, ReactionEmoji } from "@videocall/client";

/** How long a reaction floats over its tile (the CSS animation lasts as long). */
export const REACTION_FLOAT_MS = 3000;

/** One reaction shown over its sender's tile. */
export interface FloatingReaction {
  /** Unique on this page, for the element key. */
  id: number;
  sessionId: number;
  emoji: ReactionEmoji;
}

/**
 * Reactions and raised hands for the meeting page: what floats over which tile, and the raised
 * hands in order (the relay's order, the same on every page). Reads one session; `reset` when the
 * call ends clears it and its timers.
 */
export class MeetingReactions {
  #floating = signal<readonly FloatingReaction[]>([]);
  #hands = signal<readonly RaisedHandInfo[]>([]);
  #selfSessionId = signal(0);
  #session: MeetingSession | undefined;
  #nextId = 1;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  readonly floating: ReadonlySignal<readonly FloatingReaction[]> = this.#floating;
  /** Session ids with a raised hand, first raised first. */
  readonly raisedHands: ReadonlySignal<readonly number[]> = computed(() =>
    this.#hands.value.map((hand) => hand.sessionId),
  );
  readonly handRaised: ReadonlySignal<boolean> = computed(() =>
    this.raisedHands.value.includes(this.#selfSessionId.value),
  );

  /** Follows `session`; returns what stops following it. */
  attach(session: MeetingSession): () => void {
    this.#session = session;
    this.#selfSessionId.value = session.sessionId;
    this.#hands.value = session.raisedHands;
    const offs = [
      session.events.on("reaction", (sessionId, emoji) => this.#float(sessionId, emoji)),
      session.events.on("raisedHands", (hands) => {
        this.#selfSessionId.value = session.sessionId;
        this.#hands.value = hands;
      }),
      session.events.on("reconnected", () => {
        this.#selfSessionId.value = session.sessionId;
      }),
    ];
    return () => {
      for (const off of offs) off();
    };
  }

  react(emoji: ReactionEmoji): void {
    this.#session?.react(emoji);
  }

  setHandRaised(raised: boolean): void {
    this.#session?.raiseHand(raised);
  }

  /** 1-based place of `sessionId` among the raised hands, or 0. */
  handPosition(sessionId: number | undefined): number {
    return sessionId === undefined ? 0 : this.raisedHands.value.indexOf(sessionId) + 1;
  }

  reset(): void {
    this.#session = undefined;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#floating.value = [];
    this.#hands.value = [];
    this.#selfSessionId.value = 0;
  }

  #float(sessionId: number, emoji: ReactionEmoji): void {
    const reaction = { id: this.#nextId++, sessionId, emoji };
    this.#floating.value = [...this.#floating.value, reaction];
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#floating.value = this.#floating.value.filter((other) => other !== reaction);
    }, REACTION_FLOAT_MS);
    this.#timers.add(timer);
  }
}
