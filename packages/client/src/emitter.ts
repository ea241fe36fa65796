/**
 * A typed event emitter: `Events` maps each event name to its listener signature.
 * A throwing listener is reported and does not stop the others (as mediasoup's safeEmit). Only
 * the first throw per event is logged (a listener that throws on every media packet would flood
 * the console); `listenerErrors` counts them all.
 */
// biome-ignore lint/suspicious/noExplicitAny: listener signatures vary per event
export type EventMap = Record<string, (...args: any[]) => void>;

export class TypedEmitter<Events extends EventMap> {
  #listeners = new Map<keyof Events, Set<Events[keyof Events]>>();
  #errorsByEvent = new Map<keyof Events, number>();
  #listenerErrors = 0;

  /** Throws caught from listeners so far. */
  get listenerErrors(): number {
    return this.#listenerErrors;
  }

  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<E extends keyof Events>(event: E, listener: Events[E]): void {
    this.#listeners.get(event)?.delete(listener);
  }

  /** Resolves with the event's arguments the next time it fires. */
  once<E extends keyof Events>(event: E): Promise<Parameters<Events[E]>> {
    return new Promise((resolve) => {
      const off = this.on(event, ((...args: Parameters<Events[E]>) => {
        off();
        resolve(args);
      }) as Events[E]);
    });
  }

  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        listener(...args);
      } catch (error) {
        this.#listenerErrors++;
        const seen = this.#errorsByEvent.get(event) ?? 0;
        this.#errorsByEvent.set(event, seen + 1);
        if (seen === 0)
          console.error(`listener for "${String(event)}" threw (later throws are only counted)`, error);
      }
    }
  }

  removeAllListeners(): void {
    this.#listeners.clear();
  }
}
