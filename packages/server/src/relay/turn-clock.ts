/**
 * `performance.now()` read once per event-loop turn: the receive path needs a time per packet
 * (liveness, rate budgets), and each read is a call into the runtime. Packets handled in one turn
 * arrived together, so they share its time; the first read of a turn queues a microtask that
 * forgets it once the turn's work is done.
 */
let cachedNowMs = 0;
let cached = false;
const forget = () => {
  cached = false;
};

export function turnNowMs(): number {
  if (!cached) {
    cachedNowMs = performance.now();
    cached = true;
    queueMicrotask(forget);
  }
  return cachedNowMs;
}
