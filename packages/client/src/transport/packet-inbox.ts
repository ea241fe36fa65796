/**
 * Where a transport delivers packets. Packets that arrive before anyone listens are kept and
 * handed over when the listener is set: a stream reader starts at once, while the session sets
 * its listener a few microtasks later, and the Welcome must not fall in between.
 */
export class PacketInbox {
  #listener: ((packet: Uint8Array) => void) | undefined;
  #early: Uint8Array[] = [];

  get listener(): (packet: Uint8Array) => void {
    return this.#listener ?? (() => {});
  }

  set listener(listener: (packet: Uint8Array) => void) {
    this.#listener = listener;
    const early = this.#early;
    this.#early = [];
    for (const packet of early) listener(packet);
  }

  deliver(packet: Uint8Array): void {
    if (this.#listener) this.#listener(packet);
    else this.#early.push(packet.slice()); // views into a reused buffer must be copied to be kept
  }
}
