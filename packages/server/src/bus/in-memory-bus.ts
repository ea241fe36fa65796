import {
  type BusInterest,
  EVERYTHING,
  interestCovers,
  type MeetingBus,
  type MeetingBusHandler,
  type MeetingBusSubscription,
  type PresenceEvent,
} from "./meeting-bus.ts";

interface Subscriber {
  readonly nodeId: string;
  readonly handler: MeetingBusHandler;
  interest: BusInterest;
}

/**
 * Links relay nodes living in one process. A lone node (the default single-process product)
 * publishes to nobody. Delivery is asynchronous (a microtask), like a real bus.
 */
export class InMemoryBusHub {
  readonly #subscribers = new Map<string, Set<Subscriber>>();
  /** Packets (media and control) handed to each node, by node id, as the NATS bus counts what it receives. */
  readonly packetsReceivedByNode = new Map<string, number>();

  node(nodeId: string): MeetingBus {
    return { nodeId, subscribe: (meetingId, handler) => this.#subscribe(nodeId, meetingId, handler) };
  }

  #subscribe(nodeId: string, meetingId: string, handler: MeetingBusHandler): MeetingBusSubscription {
    let set = this.#subscribers.get(meetingId);
    if (!set) {
      set = new Set();
      this.#subscribers.set(meetingId, set);
    }
    const entry: Subscriber = { nodeId, handler, interest: EVERYTHING };
    set.add(entry);
    const others = () => [...(this.#subscribers.get(meetingId) ?? [])].filter((e) => e.nodeId !== nodeId);
    const deliver = (receivers: Subscriber[], packet: Uint8Array, targetSessionId: number | undefined) => {
      if (receivers.length === 0) return;
      queueMicrotask(() => {
        for (const receiver of receivers) {
          this.packetsReceivedByNode.set(
            receiver.nodeId,
            (this.packetsReceivedByNode.get(receiver.nodeId) ?? 0) + 1,
          );
          receiver.handler.onPacket(packet, targetSessionId);
        }
      });
    };
    return {
      publishPacket: (packet, fromSessionId, trackId, layer) => {
        // Filtered as the publisher's NATS subjects are: a node gets only the tracks and layers it asked for.
        deliver(
          others().filter((receiver) => interestCovers(receiver.interest, fromSessionId, trackId, layer)),
          packet,
          undefined,
        );
      },
      publishTargeted: (packet, targetSessionId) => deliver(others(), packet, targetSessionId),
      setInterest: (interest) => {
        entry.interest = interest;
      },
      publishPresence: (event: PresenceEvent) => {
        const receivers = others();
        queueMicrotask(() => {
          for (const receiver of receivers) receiver.handler.onPresence(event, nodeId);
        });
      },
      unsubscribe: () => {
        set.delete(entry);
        if (set.size === 0) this.#subscribers.delete(meetingId);
      },
    };
  }
}
