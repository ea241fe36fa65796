import type { MeetingBus, MeetingBusHandler, MeetingBusSubscription, PresenceEvent } from "./meeting-bus.ts";

/**
 * Links relay nodes living in one process. A lone node (the default single-process product)
 * publishes to nobody. Delivery is asynchronous (a microtask), like a real bus.
 */
export class InMemoryBusHub {
  readonly #subscribers = new Map<string, Set<{ nodeId: string; handler: MeetingBusHandler }>>();

  node(nodeId: string): MeetingBus {
    return { nodeId, subscribe: (meetingId, handler) => this.#subscribe(nodeId, meetingId, handler) };
  }

  #subscribe(nodeId: string, meetingId: string, handler: MeetingBusHandler): MeetingBusSubscription {
    let set = this.#subscribers.get(meetingId);
    if (!set) {
      set = new Set();
      this.#subscribers.set(meetingId, set);
    }
    const entry = { nodeId, handler };
    set.add(entry);
    const others = () => [...(this.#subscribers.get(meetingId) ?? [])].filter((e) => e.nodeId !== nodeId);
    return {
      publishPacket: (packet, targetSessionId) => {
        const receivers = others();
        if (receivers.length === 0) return;
        queueMicrotask(() => {
          for (const receiver of receivers) receiver.handler.onPacket(packet, targetSessionId);
        });
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
