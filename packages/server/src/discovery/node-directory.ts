/** A heartbeat as the directory needs it (decoded from BusNodeHeartbeat). */
export interface NodeHeartbeat {
  readonly id: string;
  readonly url: string;
  readonly participants: number;
  readonly meetings: number;
}

interface Entry extends NodeHeartbeat {
  lastSeenMs: number;
}

export type Observation = "new" | "known" | "resurrected";

/** How many lost node ids are remembered to recognise a node that comes back. */
const REMEMBERED_LOST_NODES = 1024;

/**
 * The other relay nodes, as their heartbeats describe them. Pure (the caller passes the clock),
 * so the liveness rule is unit-tested without timers: a node silent for `lostAfterMs` is lost.
 */
export class NodeDirectory {
  readonly lostAfterMs: number;
  readonly #nodes = new Map<string, Entry>();
  /** Ids declared lost, oldest first: one heard again was wrongly declared dead (a stall, a partition). */
  readonly #lost = new Set<string>();

  constructor(lostAfterMs: number) {
    this.lostAfterMs = lostAfterMs;
  }

  get size(): number {
    return this.#nodes.size;
  }

  observe(heartbeat: NodeHeartbeat, nowMs: number): Observation {
    const known = this.#nodes.has(heartbeat.id);
    this.#nodes.set(heartbeat.id, { ...heartbeat, lastSeenMs: nowMs });
    if (known) return "known";
    return this.#lost.delete(heartbeat.id) ? "resurrected" : "new";
  }

  /**
   * Notes a node heard from by other means than a heartbeat (its presence messages), so that it is
   * swept when silent. Not listed until a heartbeat tells where clients reach it.
   */
  touch(nodeId: string, nowMs: number): void {
    // A lost node that speaks again is resurrected by its next heartbeat (which re-requests rosters).
    if (this.#nodes.has(nodeId) || this.#lost.has(nodeId)) return;
    this.#nodes.set(nodeId, { id: nodeId, url: "", participants: 0, meetings: 0, lastSeenMs: nowMs });
  }

  /** Forgets a node at once (it said it is leaving); true if it was known. */
  remove(nodeId: string): boolean {
    if (!this.#nodes.delete(nodeId)) return false;
    this.#rememberLost(nodeId);
    return true;
  }

  /** Removes and returns the nodes silent for `lostAfterMs` or more. */
  sweep(nowMs: number): string[] {
    const lost: string[] = [];
    for (const [id, entry] of this.#nodes) {
      if (nowMs - entry.lastSeenMs >= this.lostAfterMs) lost.push(id);
    }
    for (const id of lost) this.remove(id);
    return lost;
  }

  /**
   * Counts every node as just heard. After our own NATS outage their silence was ours:
   * they get a full `lostAfterMs` to be heard again before they are declared lost.
   */
  restartClocks(nowMs: number): void {
    for (const entry of this.#nodes.values()) entry.lastSeenMs = nowMs;
  }

  list(nowMs: number): Array<NodeHeartbeat & { lastSeenMsAgo: number }> {
    return [...this.#nodes.values()]
      .filter((node) => node.url !== "")
      .map(({ lastSeenMs, ...node }) => ({
        ...node,
        lastSeenMsAgo: Math.max(0, Math.round(nowMs - lastSeenMs)),
      }));
  }

  #rememberLost(nodeId: string): void {
    this.#lost.add(nodeId);
    if (this.#lost.size > REMEMBERED_LOST_NODES) {
      const oldest = this.#lost.values().next().value;
      if (oldest !== undefined) this.#lost.delete(oldest);
    }
  }
}
