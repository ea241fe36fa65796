import {
  encodePacket,
  MAX_TRACK_ID,
  MAX_TRACK_SUBSCRIPTIONS,
  MediaKind,
  type TrackInfo,
} from "@videocall/protocol";
import type { PresenceEvent, TrackLayerInterest } from "../bus/meeting-bus.ts";
import { chooseLayers, type LayerWish } from "./layer-selection.ts";
import type { SendBandwidthEstimate } from "./send-bandwidth-estimate.ts";
import type { QueuedPacketInfo } from "./subscriber-queue.ts";
import type { SubscriptionTable } from "./subscription-table.ts";
import { sessionOfTrackKey, trackKey, trackOfTrackKey } from "./track-key.ts";

export interface SimulcastPublisher {
  readonly sessionId: number;
  readonly tracks: readonly TrackInfo[];
}

/** What the router reads of a local participant (a subscriber, and maybe a publisher). */
export interface SimulcastSubscriber extends SimulcastPublisher {
  readonly grants: number;
  readonly subscriptions: SubscriptionTable;
  readonly bandwidth: SendBandwidthEstimate;
  /**
   * Last-N video (SetSubscriptions.last_n), where the room has it: a track it leaves out gets no
   * layer, so it is neither demanded of its publisher nor taken from the bus.
   */
  readonly lastN?: { admits(key: number): boolean };
  /** Video the queue refused for lack of room (not frames held back for a key frame). */
  readonly congestionDrops: number;
  readonly queue: {
    readonly queuedBytes: number;
    stats(): { bytesSent: number };
    push(packet: Uint8Array, info: QueuedPacketInfo): void;
  };
  readonly connection: {
    readonly bufferedBytes: number;
    readonly exactBufferedBytes?: number;
    roundTripMs?(nowMs: number): number | null;
    readonly pingOutstanding?: boolean;
    ping?(nowMs: number): void;
  };
}

/** What the router needs from its room. */
export interface SimulcastRoomView<S extends SimulcastSubscriber> {
  locals(): Iterable<S>;
  publishers(): Iterable<SimulcastPublisher>;
  /** The participant `sessionId` (here or on another node), if the room knows it. */
  publisher(sessionId: number): SimulcastPublisher | undefined;
  /** Whether `subscriber` may receive media at all (the subscribe grant). */
  maySubscribe(subscriber: S): boolean;
  requestKeyframe(publisherSessionId: number, trackId: number, layer: number): void;
  /** The layers wanted changed: the room recomputes its bus interest (synchronously). */
  layersChanged(): void;
  publishPresence(event: PresenceEvent): void;
  layerDemandSent(): void;
  /** A tick or a LayerDemand round failed: counted; the choices stay as they were. */
  internalError(): void;
}

/** How often each subscriber's send path is sampled. */
export const ESTIMATE_INTERVAL_MS = 250;
/** Subscribers of simulcast tracks are pinged this often (when no Ping is outstanding) for their round trip. */
const PROBE_INTERVAL_MS = 1000;
/** A new layer choice is made when the estimate moved by this fraction since the last one. */
const RESELECT_ON_CHANGE = 0.1;
/** A switch still waiting for its key frame after this long asks again. */
const PENDING_KEYFRAME_RETRY_MS = 1000;
/** LayerDemand and the layer interest go out this long after the last change: one message per burst. */
const DEMAND_DEBOUNCE_MS = 50;
/** Tracks another node's layer interest may list (its subscribers' tracks, bounded like a subscription). */
const MAX_REMOTE_INTEREST_TRACKS = MAX_TRACK_SUBSCRIPTIONS * 4;

const CONTROL: QueuedPacketInfo = { kind: 0, keyframe: false, fromSessionId: 0, trackId: 0 };

/**
 * Selective forwarding of simulcast layers in one meeting room (docs/protocol.md, "Selective
 * forwarding"): picks each subscriber's layer per simulcast track from its tile, its max_layer and
 * its send-path bandwidth estimate; tells each local publisher which layers anyone needs
 * (LayerDemand, here and on other nodes); tells other nodes which of their publishers' layers
 * this node needs (the `layer-interest` presence). All of it runs when something changes or on
 * a 250 ms tick, never per packet: the fan-out only reads the subscription table's choice.
 */
export class SimulcastRouter<S extends SimulcastSubscriber> {
  readonly #room: SimulcastRoomView<S>;
  readonly #timer: ReturnType<typeof setInterval>;
  #demandTimer: ReturnType<typeof setTimeout> | undefined;
  /** Per subscriber session: when the router last pinged it. */
  readonly #lastProbeMs = new Map<number, number>();
  /** Per subscriber session: the estimate its current choice was made with. */
  readonly #decidedAtBps = new Map<number, number>();
  /** Per local publisher track (trackKey): the mask last sent in a LayerDemand. */
  readonly #sentDemand = new Map<number, number>();
  /** Per other node: the layers its subscribers need, by trackKey. */
  readonly #remoteInterest = new Map<string, Map<number, number>>();
  #sentInterest = "";
  /** Scratch for chooseLayers, reused. */
  readonly #chosen: number[] = [];
  #closed = false;

  constructor(room: SimulcastRoomView<S>) {
    this.#room = room;
    this.#timer = setInterval(() => this.#tick(), ESTIMATE_INTERVAL_MS);
  }

  /**
   * Chooses `subscriber`'s layer of every simulcast track it receives. New and changed targets
   * wait for their key frame, which is asked for (per layer) after the bus interest has been
   * updated, so the key frame cannot pass this node by.
   */
  reselect(subscriber: S, nowMs = performance.now()): void {
    const wanted = this.#keyframesToAsk(subscriber, nowMs);
    if (wanted === undefined) return;
    this.#room.layersChanged();
    for (const [publisher, trackId, layer] of wanted) this.#room.requestKeyframe(publisher, trackId, layer);
    this.scheduleDemand();
  }

  /** After tracks or participants changed: every subscriber again. */
  reselectAll(): void {
    const nowMs = performance.now();
    const asks: Array<[number, number, number]> = [];
    let changed = false;
    for (const subscriber of this.#room.locals()) {
      const wanted = this.#keyframesToAsk(subscriber, nowMs);
      if (wanted === undefined) continue;
      changed = true;
      asks.push(...wanted);
    }
    // Tracks changed: a publisher's new layered track gets its LayerDemand even if nobody watches it.
    this.scheduleDemand();
    if (!changed) return;
    this.#room.layersChanged();
    for (const [publisher, trackId, layer] of asks) this.#room.requestKeyframe(publisher, trackId, layer);
  }

  /** A pending switch completed in the fan-out: the old layer may no longer be needed. */
  layerSwitched(): void {
    this.#room.layersChanged();
    this.scheduleDemand();
  }

  forgetSubscriber(sessionId: number): void {
    this.#decidedAtBps.delete(sessionId);
    this.#lastProbeMs.delete(sessionId);
    for (const key of this.#sentDemand.keys()) {
      if (Math.floor(key / 65536) === sessionId) this.#sentDemand.delete(key);
    }
    this.scheduleDemand();
  }

  /** Another node's snapshot of the layers it needs. Untrusted: bounded and checked. */
  onRemoteInterest(nodeId: string, tracks: readonly TrackLayerInterest[]): boolean {
    if (tracks.length > MAX_REMOTE_INTEREST_TRACKS) return false;
    const byTrack = new Map<number, number>();
    for (const track of tracks) {
      if (track.sessionId === 0 || track.trackId === 0 || track.trackId > MAX_TRACK_ID) return false;
      const key = trackKey(track.sessionId, track.trackId);
      byTrack.set(key, ((byTrack.get(key) ?? 0) | track.layersMask) >>> 0);
    }
    this.#remoteInterest.set(nodeId, byTrack);
    this.scheduleDemand();
    return true;
  }

  onNodeGone(nodeId: string): void {
    if (this.#remoteInterest.delete(nodeId)) this.scheduleDemand();
  }

  /** A node asked for rosters (it just subscribed): it needs our layer interest too. */
  republishInterest(): void {
    this.#sentInterest = "";
    this.scheduleDemand();
  }

  scheduleDemand(): void {
    if (this.#closed || this.#demandTimer !== undefined) return;
    this.#demandTimer = setTimeout(() => {
      this.#demandTimer = undefined;
      try {
        this.#sendDemand();
      } catch {
        this.#room.internalError();
      }
    }, DEMAND_DEBOUNCE_MS);
  }

  get hasTimer(): boolean {
    return this.#demandTimer !== undefined;
  }

  /** Stops; tells the other nodes this one needs nothing any more (its room is empty). */
  close(): void {
    if (!this.#closed && this.#sentInterest !== "" && this.#sentInterest !== "[]") {
      this.#room.publishPresence({ type: "layer-interest", tracks: [] });
    }
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#demandTimer);
    this.#demandTimer = undefined;
  }

  /**
   * Sets the subscriber's targets; returns the key frames to ask for ([publisher, track, layer]),
   * or undefined when nothing changed.
   */
  #keyframesToAsk(subscriber: S, nowMs: number): Array<[number, number, number]> | undefined {
    const table = subscriber.subscriptions;
    const wishes: LayerWish[] = [];
    const keys: number[] = [];
    const wish = (publisher: SimulcastPublisher, track: TrackInfo) => {
      if (publisher.sessionId === subscriber.sessionId) return;
      if (track.layers.length === 0 || !isVideo(track.kind)) return;
      const key = trackKey(publisher.sessionId, track.trackId);
      const wanted = table.wishOf(key);
      if (wanted === undefined || subscriber.lastN?.admits(key) === false) return;
      wishes.push({
        layers: track.layers,
        maxLayer: wanted.maxLayer,
        tileWidthPx: wanted.widthPx,
        tileHeightPx: wanted.heightPx,
      });
      keys.push(key);
    };
    // Without the subscribe grant there are no wishes: every layer is dropped below.
    const maySubscribe = this.#room.maySubscribe(subscriber);
    if (maySubscribe && table.isAll) {
      for (const publisher of this.#room.publishers()) {
        for (const track of publisher.tracks) wish(publisher, track);
      }
    } else if (maySubscribe) {
      // An EXPLICIT table names its tracks (at most 256, in the subscriber's order): look those up
      // instead of walking every participant, which made each choice O(meeting size).
      for (const key of table.explicitTracks) {
        const publisher = this.#room.publisher(sessionOfTrackKey(key));
        const trackId = trackOfTrackKey(key);
        const track = publisher?.tracks.find((t) => t.trackId === trackId);
        if (publisher && track) wish(publisher, track);
      }
    }
    let changed = false;
    const kept = new Set(keys);
    for (const key of table.layerForwardings.keys()) {
      if (kept.has(key)) continue;
      table.dropLayers(key);
      changed = true;
    }
    const estimateBps = subscriber.bandwidth.estimateBps;
    this.#decidedAtBps.set(subscriber.sessionId, estimateBps);
    const chosen = this.#chosen;
    chooseLayers(wishes, estimateBps, chosen);
    const asks: Array<[number, number, number]> = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const before = table.layerForwarding(key)?.target;
      if (table.setTarget(key, chosen[i]!, nowMs)) {
        asks.push([Math.floor(key / 65536), key % 65536, chosen[i]!]);
      }
      if (before !== chosen[i]) changed = true;
    }
    return changed ? asks : undefined;
  }

  #tick(): void {
    try {
      const nowMs = performance.now();
      for (const subscriber of this.#room.locals()) {
        const table = subscriber.subscriptions;
        // Only subscribers of simulcast tracks have a choice to make: the others (most of a large
        // meeting's idle participants) cost nothing here.
        if (table.layerForwardings.size === 0) continue;
        const connection = subscriber.connection;
        const estimateBps = subscriber.bandwidth.update({
          nowMs,
          bytesSent: subscriber.queue.stats().bytesSent,
          packetsDropped: subscriber.congestionDrops,
          backlogBytes:
            subscriber.queue.queuedBytes + (connection.exactBufferedBytes ?? connection.bufferedBytes),
          roundTripMs: connection.roundTripMs?.(nowMs) ?? null,
        });
        // The kernel's socket buffer (megabytes on loopback) and the network hide from the send
        // path; a Ping every second through them shows their delay.
        const lastProbeMs = this.#lastProbeMs.get(subscriber.sessionId) ?? 0;
        if (
          connection.ping &&
          connection.pingOutstanding === false &&
          nowMs - lastProbeMs >= PROBE_INTERVAL_MS
        ) {
          this.#lastProbeMs.set(subscriber.sessionId, nowMs);
          connection.ping(nowMs);
        }
        const decidedBps = this.#decidedAtBps.get(subscriber.sessionId) ?? 0;
        if (Math.abs(estimateBps - decidedBps) > decidedBps * RESELECT_ON_CHANGE) {
          this.reselect(subscriber, nowMs);
        }
        for (const [key, forwarding] of table.layerForwardings) {
          if (!forwarding.pending || nowMs - forwarding.targetSinceMs < PENDING_KEYFRAME_RETRY_MS) continue;
          forwarding.targetSinceMs = nowMs;
          this.#room.requestKeyframe(Math.floor(key / 65536), key % 65536, forwarding.target);
        }
      }
    } catch {
      // The choices stay as they were; the next tick tries again.
      this.#room.internalError();
    }
  }

  /** The union of what local subscribers and other nodes need, by trackKey. */
  #demandByTrack(): Map<number, number> {
    const demand = new Map<number, number>();
    for (const subscriber of this.#room.locals()) {
      for (const [key, forwarding] of subscriber.subscriptions.layerForwardings) {
        demand.set(key, ((demand.get(key) ?? 0) | forwarding.layersMask) >>> 0);
      }
    }
    return demand;
  }

  #sendDemand(): void {
    if (this.#closed) return;
    const local = this.#demandByTrack();
    const locals = new Map<number, S>();
    for (const participant of this.#room.locals()) locals.set(participant.sessionId, participant);
    // Other nodes: which of their publishers' layers ours need.
    const interest: TrackLayerInterest[] = [];
    for (const publisher of this.#room.publishers()) {
      if (locals.has(publisher.sessionId)) continue;
      for (const track of publisher.tracks) {
        if (track.layers.length === 0) continue;
        const mask = local.get(trackKey(publisher.sessionId, track.trackId)) ?? 0;
        // Only what is wanted: absent means no layer.
        if (mask !== 0)
          interest.push({ sessionId: publisher.sessionId, trackId: track.trackId, layersMask: mask });
      }
    }
    const interestText = JSON.stringify(interest);
    if (interestText !== this.#sentInterest) {
      this.#sentInterest = interestText;
      this.#room.publishPresence({ type: "layer-interest", tracks: interest });
    }
    // Local publishers: LayerDemand when a track's mask changed.
    for (const publisher of locals.values()) {
      let changed = false;
      const tracks: Array<{ trackId: number; layersMask: number }> = [];
      for (const track of publisher.tracks) {
        if (track.layers.length === 0) continue;
        const key = trackKey(publisher.sessionId, track.trackId);
        let mask = local.get(key) ?? 0;
        for (const remote of this.#remoteInterest.values()) mask |= remote.get(key) ?? 0;
        mask >>>= 0;
        tracks.push({ trackId: track.trackId, layersMask: mask });
        if (this.#sentDemand.get(key) !== mask) changed = true;
        this.#sentDemand.set(key, mask);
      }
      if (!changed) continue;
      publisher.queue.push(encodePacket({ body: { case: "layerDemand", value: { tracks } } }), CONTROL);
      this.#room.layerDemandSent();
    }
  }
}

function isVideo(kind: number): boolean {
  return kind === MediaKind.VIDEO || kind === MediaKind.SCREEN;
}
