/** One relay node as `GET /api/servers` lists it. */
export interface ServerNode {
  readonly id: string;
  /** Origin a client passes as `serverUrl` (the lobby is at `<url>/lobby/<username>/<meetingId>`). */
  readonly url: string;
  /** Load: participants connected to the node. */
  readonly participants: number;
  readonly meetings: number;
  /** True for the node that answered the request. */
  readonly self: boolean;
  /** Age of the last heartbeat heard from the node (0 for itself). */
  readonly lastSeenMsAgo: number;
}

/** What this node says about itself; read at every heartbeat. */
export interface SelfDescription {
  readonly publicUrl: string;
  readonly startedAtMs: number;
  participants(): number;
  meetings(): number;
}

/** Which relay nodes are alive. The NATS bus implements it from node heartbeats. */
export interface NodeDiscovery {
  /** Starts announcing this node (the server calls it once it listens). */
  announce(self: SelfDescription): void;
  /** Live nodes, this one included, least loaded first. */
  liveNodes(): ServerNode[];
}

/** A node without a bus knows only itself. */
export class SingleNodeDiscovery implements NodeDiscovery {
  readonly #nodeId: string;
  #self: SelfDescription | undefined;

  constructor(nodeId: string) {
    this.#nodeId = nodeId;
  }

  announce(self: SelfDescription): void {
    this.#self = self;
  }

  liveNodes(): ServerNode[] {
    const self = this.#self;
    if (!self) return [];
    return [describeSelf(this.#nodeId, self)];
  }
}

export function describeSelf(nodeId: string, self: SelfDescription): ServerNode {
  return {
    id: nodeId,
    url: self.publicUrl,
    participants: self.participants(),
    meetings: self.meetings(),
    self: true,
    lastSeenMsAgo: 0,
  };
}

/** Least loaded first, then by id so the order is stable. */
export function byLoad(a: ServerNode, b: ServerNode): number {
  return a.participants - b.participants || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
