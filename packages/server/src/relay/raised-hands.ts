import { create } from "@bufbuild/protobuf";
import { type RaisedHand, RaisedHandSchema } from "@videocall/protocol";

/** Most hands a node may announce for one meeting; a longer list from the bus is refused. */
export const MAX_HANDS_PER_NODE = 10_000;

/**
 * The raised hands of one meeting as this node knows them: its own participants' (it decides those)
 * and each other node's snapshot (which replaces what that node said before). Every node sorts the
 * same entries the same way (raised_at_ms, then session id), so the order is the same everywhere
 * without a coordinator. A hand is dropped when its participant leaves, as in Zoom and Meet.
 */
export class RaisedHandsBook {
  readonly #local = new Map<number, number>();
  readonly #remote = new Map<string, RaisedHand[]>();

  /** True when it changed (a second raise keeps the first time, so the hand keeps its place). */
  raiseLocal(sessionId: number, nowMs: number): boolean {
    if (this.#local.has(sessionId)) return false;
    this.#local.set(sessionId, nowMs);
    return true;
  }

  lowerLocal(sessionId: number): boolean {
    return this.#local.delete(sessionId);
  }

  get hasLocal(): boolean {
    return this.#local.size > 0;
  }

  /** This node's hands, for the bus. */
  localHands(): RaisedHand[] {
    return [...this.#local].map(([sessionId, raisedAtMs]) => hand(sessionId, raisedAtMs));
  }

  /** Another node's snapshot: untrusted input. False when it is malformed (nothing changes then). */
  replaceRemote(
    nodeId: string,
    hands: readonly RaisedHand[],
    isLocalSession: (id: number) => boolean,
  ): boolean {
    if (hands.length > MAX_HANDS_PER_NODE) return false;
    if (!hands.every((h) => h.sessionId !== 0 && !isLocalSession(h.sessionId))) return false;
    if (hands.length === 0) this.#remote.delete(nodeId);
    else this.#remote.set(nodeId, [...hands]);
    return true;
  }

  /** A node went away: its hands go with it. True when any were raised. */
  dropNode(nodeId: string): boolean {
    return this.#remote.delete(nodeId);
  }

  /** A remote participant left (its node's next snapshot would say so too). True when it had a hand up. */
  dropRemoteSession(sessionId: number): boolean {
    for (const [nodeId, hands] of this.#remote) {
      const rest = hands.filter((h) => h.sessionId !== sessionId);
      if (rest.length === hands.length) continue;
      if (rest.length === 0) this.#remote.delete(nodeId);
      else this.#remote.set(nodeId, rest);
      return true;
    }
    return false;
  }

  isRaised(sessionId: number): boolean {
    if (this.#local.has(sessionId)) return true;
    for (const hands of this.#remote.values()) if (hands.some((h) => h.sessionId === sessionId)) return true;
    return false;
  }

  /** Every raised hand, first raised first. */
  ordered(): RaisedHand[] {
    const all = this.localHands();
    for (const hands of this.#remote.values()) all.push(...hands);
    return all.sort((a, b) =>
      a.raisedAtMs === b.raisedAtMs ? a.sessionId - b.sessionId : a.raisedAtMs < b.raisedAtMs ? -1 : 1,
    );
  }
}

function hand(sessionId: number, raisedAtMs: number): RaisedHand {
  return create(RaisedHandSchema, { sessionId, raisedAtMs: BigInt(raisedAtMs) });
}
