import type { ChatMessage, HostCommand, Participant, RaisedHand, WaitingJoiner } from "@videocall/protocol";
import { trackKey } from "../relay/track-key.ts";

/**
 * Carries a meeting's traffic between relay nodes. The in-memory bus links nodes in one process;
 * the NATS bus (nats-meeting-bus.ts) links processes. A node subscribes only to meetings it hosts
 * participants of, and a packet crosses the bus once per node, never once per participant.
 */
export interface MeetingBus {
  readonly nodeId: string;
  /** Packet counters of a bus that links processes (read by /metrics); absent for the in-memory bus. */
  readonly stats?: BusPacketStats;
  subscribe(meetingId: string, handler: MeetingBusHandler): MeetingBusSubscription;
}

export interface BusPacketStats {
  /** Packets this node published for the others. */
  readonly packetsPublished: number;
  /** Packets this node took from the bus and handed to its rooms (media and control). */
  readonly packetsReceived: number;
  /** Bytes of those packets (absent: not counted). */
  readonly bytesReceived?: number;
  /** Packet subjects subscribed right now: one per wanted track, or one per meeting taking everything. */
  readonly packetSubjects: number;
  /** Packet subjects subscribed since start (each change of interest adds the subjects it needs). */
  readonly packetSubjectSubscribes: number;
  // The link's health, for a bus that can lose it (NATS); an in-process bus has none of these.
  /** Linked to the bus server right now. */
  readonly connected?: boolean;
  readonly reconnects?: number;
  /** Other nodes declared gone (silent, or said they left). */
  readonly nodesLost?: number;
  /** Packets not published while the link was down. */
  readonly packetsDroppedDisconnected?: number;
  /** Messages from other nodes dropped because they failed to decode, validate or process. */
  readonly messagesFailed?: number;
}

export interface MeetingBusSubscription {
  /**
   * A stamped Packet of `fromSessionId` for the other nodes of the meeting: media of `trackId` at
   * spatial `layer`, or the publisher's control (track state) with `trackId` 0 (layer ignored).
   * Only nodes interested in that track and layer receive media; every node receives control.
   */
  publishPacket(packet: Uint8Array, fromSessionId: number, trackId: number, layer: number): void;
  /** A stamped Packet for one session (a key frame request for its publisher), wherever it is. */
  publishTargeted(packet: Uint8Array, targetSessionId: number): void;
  publishPresence(event: PresenceEvent): void;
  /**
   * Which media this node's subscribers need from other nodes. Starts as everything; the room
   * calls it whenever its local subscriptions change (it may pass the same interest again).
   */
  setInterest(interest: BusInterest): void;
  unsubscribe(): void;
}

/**
 * Everything, or exactly these tracks (by trackKey: publisher session * 65536 + track id), each
 * with the spatial layers wanted (bit i: layer i; EVERY_LAYER_MASK: all of them, also layers
 * above 31). Control packets (track id 0) and targeted packets always arrive.
 */
export type BusInterest =
  | { readonly all: true }
  | { readonly all: false; readonly layersByTrack: ReadonlyMap<number, number> };

export const EVERYTHING: BusInterest = { all: true };

/** Every layer of a track: single-layer tracks, and simulcast tracks whose layers are not known yet. */
export const EVERY_LAYER_MASK = 0xffffffff;

/** Whether `mask` includes `layer`. */
export function maskHasLayer(mask: number, layer: number): boolean {
  return mask === EVERY_LAYER_MASK || (layer < 32 && ((mask >>> layer) & 1) === 1);
}

/** Whether `interest` covers media of (`fromSessionId`, `trackId`, `layer`); control (track 0) always passes. */
export function interestCovers(
  interest: BusInterest,
  fromSessionId: number,
  trackId: number,
  layer: number,
): boolean {
  if (interest.all || trackId === 0) return true;
  const mask = interest.layersByTrack.get(trackKey(fromSessionId, trackId));
  return mask !== undefined && maskHasLayer(mask, layer);
}

export interface TrackLayerInterest {
  sessionId: number;
  trackId: number;
  /** Bit i: layer i. */
  layersMask: number;
}

export interface MeetingBusHandler {
  onPacket(packet: Uint8Array, targetSessionId: number | undefined): void;
  onPresence(event: PresenceEvent, fromNodeId: string): void;
}

export type PresenceEvent =
  | { type: "joined"; participant: Participant }
  | { type: "left"; sessionId: number; reason: number }
  /** A node that just subscribed (or reconnected) asks the others to publish their `roster`. */
  | { type: "roster-request" }
  /** All of the sending node's participants in the meeting: receivers replace what they knew of it. */
  | { type: "roster"; participants: Participant[] }
  /**
   * A host command the sending node checked and carried out for its own connections (and wrote to the
   * database): receivers apply it to theirs. `hasPassword` is the meeting's state after a settings change.
   */
  | { type: "host-command"; command: HostCommand; issuerSessionId: number; hasPassword: boolean }
  /** All of the sending node's waiting joiners in the meeting: receivers replace what they knew of it. */
  | { type: "waiting-list"; joiners: WaitingJoiner[] }
  /** The node's participants' raised hands, replacing what receivers knew of that node. */
  | { type: "raised-hands"; hands: RaisedHand[] }
  /**
   * Which layers of other nodes' simulcast tracks the sending node's subscribers receive or are
   * switching to (a snapshot, replacing what receivers knew of that node): the publisher's node
   * adds it to the publisher's LayerDemand.
   */
  | { type: "layer-interest"; tracks: TrackLayerInterest[] }
  /** A chat message the sending node stored: receivers deliver it to their recipients (chat.ts). */
  | { type: "chat"; message: ChatMessage }
  /** Raised by the bus itself, not published: `fromNodeId` died or left, drop its participants. */
  | { type: "node-lost" };
