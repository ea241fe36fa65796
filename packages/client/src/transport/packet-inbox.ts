/**
 * Where a transport delivers packets. Packets that arrive before anyone listens are kept and
 * handed over when the listener is set: a stream reader starts at once, while the session sets
 * its listener a few microtasks later, and the Welcome must not fall in between.
 *
 * A listener that throws is the transport's boundary: the error is reported (the first one
 * logged, all counted) and never reaches the socket's event handler or ends a stream's read loop,
 * so one bad packet cannot stop the packets after it.
 */
export class PacketInbox {
  #listener: ((packet: Uint8Array) => void) | undefined;
  #early: Uint8Array[] = [];
  #listenerErrors = 0;

  get listener(): (packet: Uint8Array) => void {
    return this.#listener ?? (() => {});
  }

  set listener(listener: (packet: Uint8Array) => void) {
    this.#listener = listener;
    const early = this.#early;
    this.#early = [];
    for (const packet of early) this.#hand(listener, packet);
  }

  /** How many packets the listener threw on. */
  get listenerErrors(): number {
    return this.#listenerErrors;
  }

  deliver(packet: Uint8Array): void {
    if (this.#listener) this.#hand(this.#listener, packet);
    else this.#early.push(packet.slice()); // views into a reused buffer must be copied to be kept
  }

  #hand(listener: (packet: Uint8Array) => void, packet: Uint8Array): void {
    try {
      listener(packet);
    } catch (error) {
      if (this.#listenerErrors++ === 0) console.error("videocall: a packet listener threw", error);
    }
  }
}
