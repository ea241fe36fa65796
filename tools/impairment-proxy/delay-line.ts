/**
 * Holds items until their arrival time, then hands them to `deliver` in arrival order (ties in
 * push order). One timer for the whole line, set for the earliest item.
 */
export class DelayLine<T> {
  readonly #deliver: (item: T) => void;
  readonly #now: () => number;
  /** Sorted by atMs; most pushes append (delays rarely go backwards), so insertion is cheap. */
  #entries: Array<{ atMs: number; item: T }> = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAtMs = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(deliver: (item: T) => void, now: () => number = () => performance.now()) {
    this.#deliver = deliver;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.length;
  }

  push(item: T, atMs: number): void {
    if (this.#closed) return;
    const entries = this.#entries;
    let index = entries.length;
    while (index > 0 && entries[index - 1]!.atMs > atMs) index--;
    entries.splice(index, 0, { atMs, item });
    if (index === 0) this.#arm();
  }

  /** Drops whatever is still on the line and stops the timer. */
  close(): void {
    this.#closed = true;
    this.#entries = [];
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    const head = this.#entries[0];
    if (!head || head.atMs >= this.#timerAtMs) return;
    clearTimeout(this.#timer);
    this.#timerAtMs = head.atMs;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, head.atMs - this.#now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAtMs = Number.POSITIVE_INFINITY;
    // Timers fire up to a millisecond late or early: deliver what is due within half a millisecond.
    const dueMs = this.#now() + 0.5;
    let count = 0;
    while (count < this.#entries.length && this.#entries[count]!.atMs <= dueMs) count++;
    const due = this.#entries.splice(0, count);
    for (const entry of due) {
      if (this.#closed) return;
      this.#deliver(entry.item);
    }
    this.#arm();
  }
}
