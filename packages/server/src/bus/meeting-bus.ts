import type { Participant } from "@videocall/protocol";

/**
 * Carries a meeting's traffic between relay nodes. The in-memory bus links nodes in one process;
 * the NATS bus (nats-meeting-bus.ts) links processes. A node subscribes only to meetings it hosts
 * participants of, and a packet crosses the bus once per node, never once per participant.
 */
export interface MeetingBus {
  readonly nodeId: string;
  subscribe(meetingId: string, handler: MeetingBusHandler): MeetingBusSubscription;
}

export interface MeetingBusSubscription {
  /** A stamped Packet for every participant of the meeting on other nodes (targeted ones carry `targetSessionId`). */
  publishPacket(packet: Uint8Array, targetSessionId?: number): void;
  publishPresence(event: PresenceEvent): void;
  unsubscribe(): void;
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
  /** Raised by the bus itself, not published: `fromNodeId` died or left, drop its participants. */
  | { type: "node-lost" };
