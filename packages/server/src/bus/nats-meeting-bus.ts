import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { connect, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import {
  type BusNodeHeartbeat,
  BusNodeHeartbeatSchema,
  type BusPresence,
  BusPresenceSchema,
  isValidName,
} from "@videocall/protocol";
import { NodeDirectory } from "../discovery/node-directory.ts";
import {
  byLoad,
  describeSelf,
  type NodeDiscovery,
  type SelfDescription,
  type ServerNode,
} from "../discovery/node-discovery.ts";
import type { Logger } from "../observability/log.ts";
import { sessionOfTrackKey, trackKey, trackOfTrackKey } from "../relay/track-key.ts";
import {
  type BusInterest,
  EVERY_LAYER_MASK,
  EVERYTHING,
  type MeetingBus,
  type MeetingBusHandler,
  type MeetingBusSubscription,
  type PresenceEvent,
} from "./meeting-bus.ts";
import { isControlSubject, NatsSubjects, targetedSessionId } from "./nats-subjects.ts";

export interface NatsMeetingBusOptions {
  /** NATS server URLs; list every server of a cluster so the client can fail over. */
  servers: string[];
  nodeId?: string;
  log: Logger;
  /** How often this node announces itself (default 1000 ms). */
  heartbeatIntervalMs?: number;
  /** Heartbeats a node may miss before it is declared lost (default 3). */
  missedHeartbeatsBeforeLost?: number;
  /** How long the first connection may take (default 5000 ms). */
  connectTimeoutMs?: number;
}

/** Counters for tests and the bench; never logged per packet. */
export interface NatsBusStats {
  packetsPublished: number;
  /** Packets this node took from NATS and handed to its rooms (media and control). */
  packetsReceived: number;
  /** Bytes of those packets: what crossing nodes costs this one. */
  bytesReceived: number;
  /** Packet subjects subscribed right now, over all meetings (one per wanted track or layer, or one per ALL-mode meeting). */
  packetSubjects: number;
  packetSubjectSubscribes: number;
  /** Packets not published because NATS was unreachable: stale media is worth nothing later. */
  packetsDroppedDisconnected: number;
  /** Linked to a NATS server right now (false between a disconnect and the reconnect). */
  connected: boolean;
  reconnects: number;
  nodesLost: number;
  /** Messages from other nodes dropped because they failed to decode, validate or process. */
  messagesFailed: number;
}

export class NatsBusError extends Error {
  override readonly name = "NatsBusError";
  readonly code: "unreachable";
  constructor(code: NatsBusError["code"], message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Links relay processes through NATS. Per meeting a node subscribes to the packet, targeted and
 * presence subjects only while it hosts participants of it. The connection uses `noEcho`, so a
 * node never receives its own publications and packets cross NATS as the client sent them (no
 * envelope, no re-encoding). Node heartbeats on `vc.nodes` give liveness (a silent node's
 * participants leave everywhere) and discovery (`liveNodes`).
 */
export class NatsMeetingBus implements MeetingBus, NodeDiscovery {
  readonly nodeId: string;
  readonly stats: NatsBusStats = {
    packetsPublished: 0,
    packetsReceived: 0,
    bytesReceived: 0,
    packetSubjects: 0,
    packetSubjectSubscribes: 0,
    packetsDroppedDisconnected: 0,
    connected: true,
    reconnects: 0,
    nodesLost: 0,
    messagesFailed: 0,
  };
  readonly #nc: NatsConnection;
  readonly #log: Logger;
  readonly #heartbeatIntervalMs: number;
  readonly #directory: NodeDirectory;
  readonly #channels = new Set<MeetingChannel>();
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  #self: SelfDescription | undefined;
  #connected = true;
  #closed = false;

  /** Connects to NATS; rejects with a NatsBusError if no server answers. */
  static async connect(options: NatsMeetingBusOptions): Promise<NatsMeetingBus> {
    const nodeId = options.nodeId ?? crypto.randomUUID().slice(0, 8);
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: options.servers,
        name: `videocall-relay ${nodeId}`,
        noEcho: true,
        // Keep trying forever, quickly: while NATS is away only cross-node traffic stops.
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        reconnectJitter: 100,
        pingInterval: 2000,
        maxPingOut: 2,
        timeout: options.connectTimeoutMs ?? 5000,
      });
    } catch (cause) {
      throw new NatsBusError(
        "unreachable",
        `cannot reach NATS at ${options.servers.join(", ")}: ${(cause as Error).message}`,
        { cause },
      );
    }
    return new NatsMeetingBus(nc, nodeId, options);
  }

  private constructor(nc: NatsConnection, nodeId: string, options: NatsMeetingBusOptions) {
    this.#nc = nc;
    this.nodeId = nodeId;
    this.#log = options.log;
    this.#heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1000;
    this.#directory = new NodeDirectory(
      this.#heartbeatIntervalMs * (options.missedHeartbeatsBeforeLost ?? 3),
    );
    this.subscribeRaw(NatsSubjects.nodes, (data) => this.#onHeartbeat(data));
    this.#timers.push(setInterval(() => this.#sweep(), Math.max(50, this.#heartbeatIntervalMs / 4)));
    void this.#watchStatus();
    this.#log.info({ nodeId, server: nc.getServer() }, "connected to NATS");
  }

  /** The NATS server this node is connected to right now. */
  get server(): string {
    return this.#nc.getServer();
  }

  get isConnected(): boolean {
    return this.#connected && !this.#closed;
  }

  subscribe(meetingId: string, handler: MeetingBusHandler): MeetingBusSubscription {
    const channel = new MeetingChannel(this, meetingId, handler);
    this.#channels.add(channel);
    return channel;
  }

  /** Starts (or, called again, replaces) this node's heartbeats: one timer however often it is called. */
  announce(self: SelfDescription): void {
    this.#self = self;
    this.#publishHeartbeat(false);
    clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = setInterval(() => this.#publishHeartbeat(false), this.#heartbeatIntervalMs);
  }

  liveNodes(): ServerNode[] {
    const nodes: ServerNode[] = this.#directory
      .list(performance.now())
      .map((node) => ({ ...node, self: false }));
    if (this.#self) nodes.push(describeSelf(this.nodeId, this.#self));
    return nodes.sort(byLoad);
  }

  /**
   * Tells the other nodes this one is leaving (they drop it at once), then flushes what is still
   * buffered and closes the connection. Call after the local participants have left.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    for (const timer of this.#timers) clearInterval(timer);
    clearInterval(this.#heartbeatTimer);
    if (this.#self) this.#publishHeartbeat(true);
    this.#closed = true;
    // drain() flushes buffered publishes (the leave notice above) but waits for a server that may
    // be gone: bounded, then a hard close.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drained = this.#nc.drain().catch((error: unknown) => {
      this.#log.warn({ error: String(error) }, "NATS drain failed");
    });
    await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
    if (!this.#nc.isClosed()) await this.#nc.close();
    this.#log.info({ nodeId: this.nodeId }, "NATS connection closed");
  }

  // ---- used by MeetingChannel ----

  /** @internal */
  publishPacket(subject: string, packet: Uint8Array): void {
    if (!this.#connected || this.#closed) {
      this.stats.packetsDroppedDisconnected++;
      return;
    }
    this.stats.packetsPublished++;
    this.#nc.publish(subject, packet);
  }

  /** @internal Presence is small and must not be lost: while disconnected the client buffers it. */
  publishControl(subject: string, message: Uint8Array): void {
    if (this.#closed) return;
    this.#nc.publish(subject, message);
  }

  /** @internal */
  subscribeRaw(subject: string, onMessage: (data: Uint8Array, subject: string) => void): Subscription {
    return this.#nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error) return;
        try {
          onMessage(msg.data, msg.subject);
        } catch (caught) {
          // Another node's message must not take this one down: drop the message, keep the subscription.
          this.stats.messagesFailed++;
          this.#log.warn({ subject, error: String(caught) }, "dropped a bus message that failed to process");
        }
      },
    });
  }

  /** @internal Resolves once the server has processed everything sent so far (our subscriptions among it). */
  flush(): Promise<void> {
    return this.#nc.flush();
  }

  /** @internal */
  countReceived(bytes: number): void {
    this.stats.packetsReceived++;
    this.stats.bytesReceived += bytes;
  }

  /** @internal */
  remove(channel: MeetingChannel): void {
    this.#channels.delete(channel);
  }

  /** @internal */
  get log(): Logger {
    return this.#log;
  }

  // ---- liveness ----

  #publishHeartbeat(leaving: boolean): void {
    const self = this.#self;
    if (!self || this.#closed || (!this.#connected && !leaving)) return;
    const heartbeat = create(BusNodeHeartbeatSchema, {
      nodeId: this.nodeId,
      publicUrl: self.publicUrl,
      participants: self.participants(),
      meetings: self.meetings(),
      heartbeatIntervalMs: this.#heartbeatIntervalMs,
      leaving,
      startedAtMs: BigInt(Math.round(self.startedAtMs)),
    });
    this.#nc.publish(NatsSubjects.nodes, toBinary(BusNodeHeartbeatSchema, heartbeat));
  }

  #onHeartbeat(data: Uint8Array): void {
    let heartbeat: BusNodeHeartbeat;
    try {
      heartbeat = fromBinary(BusNodeHeartbeatSchema, data);
    } catch (error) {
      this.#log.warn({ error: (error as Error).message }, "ignoring a malformed node heartbeat");
      return;
    }
    const id = heartbeat.nodeId;
    if (id === this.nodeId || id === "") return;
    if (!isValidName(id) || !isHttpOrigin(heartbeat.publicUrl)) {
      this.stats.messagesFailed++;
      return; // clients fail over to listed URLs: list only well-formed origins
    }
    if (heartbeat.leaving) {
      if (this.#directory.remove(id)) this.#nodeLost(id, "left");
      return;
    }
    const seen = this.#directory.observe(
      { id, url: heartbeat.publicUrl, participants: heartbeat.participants, meetings: heartbeat.meetings },
      performance.now(),
    );
    if (seen === "new") this.#log.info({ nodeId: id, url: heartbeat.publicUrl }, "node joined");
    if (seen === "resurrected") {
      // We dropped its participants; it does not know, so ask every meeting for rosters again.
      this.#log.warn({ nodeId: id }, "lost node is alive again: requesting rosters");
      for (const channel of this.#channels) channel.requestRoster();
    }
  }

  /**
   * @internal A presence message proves its node exists. A node can die before we hear its first
   * heartbeat (they are 1 s apart) yet after it told us of its participants: track it from here so
   * its silence still gets it declared lost, or its participants would stay as ghosts.
   */
  heardFrom(nodeId: string): void {
    this.#directory.touch(nodeId, performance.now());
  }

  #sweep(): void {
    // A node cut off from NATS cannot tell who died: it judges again once reconnected.
    if (!this.#connected || this.#closed) return;
    for (const id of this.#directory.sweep(performance.now())) this.#nodeLost(id, "silent");
  }

  #nodeLost(nodeId: string, why: "silent" | "left"): void {
    this.stats.nodesLost++;
    this.#log.warn({ nodeId, why }, "node lost: removing its participants");
    for (const channel of this.#channels) channel.deliver({ type: "node-lost" }, nodeId);
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.#nc.status()) {
      switch (status.type) {
        case "disconnect":
          this.#connected = false;
          this.stats.connected = false;
          this.#log.warn({ server: status.server }, "NATS disconnected: cross-node traffic paused");
          break;
        case "reconnect":
          this.#connected = true;
          this.stats.connected = true;
          this.stats.reconnects++;
          this.#log.info({ server: status.server }, "NATS reconnected: resyncing presence");
          this.#directory.restartClocks(performance.now());
          this.#publishHeartbeat(false);
          for (const channel of this.#channels) channel.resync();
          break;
        case "error":
          this.#log.warn({ error: String(status.error) }, "NATS error");
          break;
        case "slowConsumer":
          this.#log.warn({ sub: status.sub.getSubject() }, "NATS slow consumer: messages dropped");
          break;
        default:
          break;
      }
    }
  }
}

/**
 * One meeting's subscriptions on one node. Media travels on per-layer subjects
 * (`.p.<session>.<track>.<layer>`); the node subscribes to `.p.>` while its interest is
 * everything, else to the wanted layers' subjects (`.<track>.*` for a track wanted whole), and
 * always to every publisher's control subject (`.p.*.0`).
 *
 * Switching between `.p.>` and per-track subjects neither loses nor doubles a packet of a track
 * received throughout: the new subscriptions are made first, the old ones keep delivering until
 * a flush proves the server has the new ones (from then on every packet arrives on both), and
 * only then the new ones deliver and the old ones go.
 */
class MeetingChannel implements MeetingBusSubscription {
  readonly #bus: NatsMeetingBus;
  readonly #meetingId: string;
  readonly #handler: MeetingBusHandler;
  readonly #presenceSubject: string;
  readonly #subscriptions: Subscription[];
  /** Subject strings of our local publishers' layers, built once per (track, layer below 16). */
  readonly #subjectByLayer = new Map<number, string>();
  #interest: BusInterest = EVERYTHING;
  #allPackets: Subscription | undefined;
  /** Per-layer (or per-track wildcard) subscriptions, by subject. */
  readonly #trackPackets = new Map<string, Subscription>();
  /** Which subscriptions deliver: `.p.>` (true) or the per-track ones (false). */
  #deliverFromAll = true;
  #switchPending = false;
  #open = true;

  constructor(bus: NatsMeetingBus, meetingId: string, handler: MeetingBusHandler) {
    this.#bus = bus;
    this.#meetingId = meetingId;
    this.#handler = handler;
    this.#presenceSubject = NatsSubjects.presence(meetingId);
    this.#subscriptions = [
      bus.subscribeRaw(NatsSubjects.controlPackets(meetingId), (data) => this.#deliver(data)),
      bus.subscribeRaw(NatsSubjects.targetedWildcard(meetingId), (data, subject) => {
        const target = targetedSessionId(subject);
        if (target !== undefined) handler.onPacket(data, target);
      }),
      bus.subscribeRaw(this.#presenceSubject, (data) => this.#onPresence(data)),
    ];
    this.#allPackets = this.#subscribeAll();
  }

  publishPacket(packet: Uint8Array, fromSessionId: number, trackId: number, layer: number): void {
    if (!this.#open) return;
    if (layer >= CACHED_LAYERS) {
      // Not a layer any publisher announces (at most 4): a one-off string, not worth a cache slot.
      this.#bus.publishPacket(this.#subjectOf(fromSessionId, trackId, layer), packet);
      return;
    }
    const key = trackKey(fromSessionId, trackId) * CACHED_LAYERS + (trackId === 0 ? 0 : layer);
    let subject = this.#subjectByLayer.get(key);
    if (subject === undefined) {
      if (this.#subjectByLayer.size >= MAX_CACHED_SUBJECTS) this.#subjectByLayer.clear();
      subject = this.#subjectOf(fromSessionId, trackId, layer);
      this.#subjectByLayer.set(key, subject);
    }
    this.#bus.publishPacket(subject, packet);
  }

  #subjectOf(fromSessionId: number, trackId: number, layer: number): string {
    return trackId === 0
      ? NatsSubjects.publisherControl(this.#meetingId, fromSessionId)
      : NatsSubjects.layerPackets(this.#meetingId, fromSessionId, trackId, layer);
  }

  publishTargeted(packet: Uint8Array, targetSessionId: number): void {
    if (this.#open) this.#bus.publishPacket(NatsSubjects.targeted(this.#meetingId, targetSessionId), packet);
  }

  setInterest(interest: BusInterest): void {
    if (!this.#open) return;
    this.#interest = interest;
    this.#reconcile();
  }

  publishPresence(event: PresenceEvent): void {
    const message = toBusPresence(this.#bus.nodeId, event);
    if (message) this.#bus.publishControl(this.#presenceSubject, toBinary(BusPresenceSchema, message));
  }

  unsubscribe(): void {
    if (!this.#open) return;
    this.#open = false;
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    if (this.#allPackets) this.#unsubscribePackets(this.#allPackets);
    for (const subscription of this.#trackPackets.values()) this.#unsubscribePackets(subscription);
    this.#allPackets = undefined;
    this.#trackPackets.clear();
    this.#bus.remove(this);
  }

  #deliver(data: Uint8Array): void {
    this.#bus.countReceived(data.length);
    this.#handler.onPacket(data, undefined);
  }

  #subscribeAll(): Subscription {
    this.#bus.stats.packetSubjects++;
    this.#bus.stats.packetSubjectSubscribes++;
    return this.#bus.subscribeRaw(NatsSubjects.allPackets(this.#meetingId), (data, subject) => {
      // Control arrives on its own subscription; media here only while this one delivers.
      if (this.#deliverFromAll && !isControlSubject(subject)) this.#deliver(data);
    });
  }

  /** The subjects an interest asks for: `.<track>.*` for a track wanted whole, else one per layer. */
  #subjectsOf(layersByTrack: ReadonlyMap<number, number>): Set<string> {
    const subjects = new Set<string>();
    for (const [key, mask] of layersByTrack) {
      const sessionId = sessionOfTrackKey(key);
      const trackId = trackOfTrackKey(key);
      if (mask === EVERY_LAYER_MASK) {
        subjects.add(NatsSubjects.trackPackets(this.#meetingId, sessionId, trackId));
        continue;
      }
      for (let layer = 0; layer < 32; layer++) {
        if (((mask >>> layer) & 1) === 1)
          subjects.add(NatsSubjects.layerPackets(this.#meetingId, sessionId, trackId, layer));
      }
    }
    return subjects;
  }

  #subscribeTrack(subject: string): Subscription {
    this.#bus.stats.packetSubjects++;
    this.#bus.stats.packetSubjectSubscribes++;
    return this.#bus.subscribeRaw(subject, (data) => {
      if (!this.#deliverFromAll) this.#deliver(data);
    });
  }

  #unsubscribePackets(subscription: Subscription): void {
    this.#bus.stats.packetSubjects--;
    subscription.unsubscribe();
  }

  /** Brings the packet subscriptions in line with `#interest` (see the class comment for the order). */
  #reconcile(): void {
    const interest = this.#interest;
    if (interest.all) this.#allPackets ??= this.#subscribeAll();
    else {
      for (const subject of this.#subjectsOf(interest.layersByTrack)) {
        if (!this.#trackPackets.has(subject)) this.#trackPackets.set(subject, this.#subscribeTrack(subject));
      }
    }
    if (this.#deliverFromAll === interest.all) {
      if (!this.#switchPending) this.#prune();
      return;
    }
    if (this.#switchPending) return;
    this.#switchPending = true;
    const switchOver = () => {
      this.#switchPending = false;
      if (!this.#open) return;
      this.#deliverFromAll = this.#interest.all;
      this.#reconcile(); // prunes, or starts the next switch if the interest flipped meanwhile
    };
    this.#bus.flush().then(switchOver, switchOver);
  }

  /** Drops the packet subscriptions that neither deliver nor are wanted. */
  #prune(): void {
    const interest = this.#interest;
    if (interest.all) {
      for (const subscription of this.#trackPackets.values()) this.#unsubscribePackets(subscription);
      this.#trackPackets.clear();
      return;
    }
    if (this.#allPackets) {
      this.#unsubscribePackets(this.#allPackets);
      this.#allPackets = undefined;
    }
    const wanted = this.#subjectsOf(interest.layersByTrack);
    for (const [subject, subscription] of this.#trackPackets) {
      if (wanted.has(subject)) continue;
      this.#unsubscribePackets(subscription);
      this.#trackPackets.delete(subject);
    }
  }

  /** Delivers an event raised by the bus itself (a lost node). */
  deliver(event: PresenceEvent, fromNodeId: string): void {
    if (this.#open) this.#handler.onPresence(event, fromNodeId);
  }

  requestRoster(): void {
    this.publishPresence({ type: "roster-request" });
  }

  /** After a reconnect: publish our roster and ask for everyone else's, to repair missed joins and leaves. */
  resync(): void {
    if (!this.#open) return;
    this.#handler.onPresence({ type: "roster-request" }, this.#bus.nodeId); // the room answers with its roster
    this.requestRoster();
  }

  #onPresence(data: Uint8Array): void {
    let message: BusPresence;
    try {
      message = fromBinary(BusPresenceSchema, data);
    } catch (error) {
      this.#bus.log.warn(
        { meetingId: this.#meetingId, error: (error as Error).message },
        "ignoring malformed presence",
      );
      return;
    }
    if (message.nodeId === this.#bus.nodeId || message.nodeId === "") return;
    const event = fromBusPresence(message);
    if (!event) return;
    this.#bus.heardFrom(message.nodeId);
    this.#handler.onPresence(event, message.nodeId);
  }
}

/** Subject strings a channel keeps for its publishers' layers before it starts over. */
const MAX_CACHED_SUBJECTS = 4096;
/** Layers 0..15 have cached subjects; a publisher announces at most 4 (MAX_VIDEO_LAYERS). */
const CACHED_LAYERS = 16;

function isHttpOrigin(url: string): boolean {
  if (url.length > 2048 || !URL.canParse(url)) return false;
  const protocol = new URL(url).protocol;
  return protocol === "http:" || protocol === "https:";
}

function toBusPresence(nodeId: string, event: PresenceEvent): BusPresence | undefined {
  switch (event.type) {
    case "joined":
      return create(BusPresenceSchema, {
        nodeId,
        event: { case: "joined", value: { participant: event.participant } },
      });
    case "left":
      return create(BusPresenceSchema, {
        nodeId,
        event: { case: "left", value: { sessionId: event.sessionId, reason: event.reason } },
      });
    case "roster-request":
      return create(BusPresenceSchema, { nodeId, event: { case: "rosterRequest", value: {} } });
    case "roster":
      return create(BusPresenceSchema, {
        nodeId,
        event: { case: "roster", value: { participants: event.participants } },
      });
    case "host-command":
      return create(BusPresenceSchema, {
        nodeId,
        event: {
          case: "hostCommand",
          value: {
            command: event.command,
            issuerSessionId: event.issuerSessionId,
            hasPassword: event.hasPassword,
          },
        },
      });
    case "waiting-list":
      return create(BusPresenceSchema, {
        nodeId,
        event: { case: "waitingList", value: { joiners: event.joiners } },
      });
    case "raised-hands":
      return create(BusPresenceSchema, {
        nodeId,
        event: { case: "raisedHands", value: { hands: event.hands } },
      });
    case "layer-interest":
      return create(BusPresenceSchema, {
        nodeId,
        event: { case: "layerInterest", value: { tracks: event.tracks } },
      });
    case "chat":
      return create(BusPresenceSchema, { nodeId, event: { case: "chat", value: event.message } });
    case "node-lost":
      return undefined; // local only
  }
}

export function fromBusPresence(message: BusPresence): PresenceEvent | undefined {
  const event = message.event;
  switch (event.case) {
    case "joined":
      return event.value.participant ? { type: "joined", participant: event.value.participant } : undefined;
    case "left":
      return { type: "left", sessionId: event.value.sessionId, reason: event.value.reason };
    case "rosterRequest":
      return { type: "roster-request" };
    case "roster":
      return { type: "roster", participants: event.value.participants };
    case "hostCommand":
      // Checked by the receiving room (hostCommandProblem) like a client's command.
      return event.value.command
        ? {
            type: "host-command",
            command: event.value.command,
            issuerSessionId: event.value.issuerSessionId,
            hasPassword: event.value.hasPassword,
          }
        : undefined;
    case "waitingList":
      return { type: "waiting-list", joiners: event.value.joiners };
    case "raisedHands":
      // Checked by the receiving room (bounded, no session of its own) like any other node's message.
      return { type: "raised-hands", hands: event.value.hands };
    case "layerInterest":
      // Checked by the receiving room (bounded, ids in range) like any other node's message.
      return {
        type: "layer-interest",
        tracks: event.value.tracks.map((track) => ({
          sessionId: track.sessionId,
          trackId: track.trackId,
          layersMask: track.layersMask,
        })),
      };
    case "chat":
      // Checked by the receiving room (meeting-chat.ts) like any other node's message.
      return { type: "chat", message: event.value };
    default:
      return undefined;
  }
}
