/**
 * Child process of client-lifecycle.test.ts (run with `--v8-flags=--expose-gc`): counts live timers and
 * event listeners by wrapping setTimeout/setInterval/clear* and EventTarget's add/removeEventListener
 * before the client library is imported, then joins and leaves a meeting `cycles` times and prints
 * the counts (and heap, open fds) after the warm-up and at the end, as one JSON line.
 *
 * Usage: client-lifecycle-cycles.ts <serverUrl> <cycles> <websocket|webtransport>
 */

const liveTimers = new Set<unknown>();
const realSetTimeout = globalThis.setTimeout;
const realSetInterval = globalThis.setInterval;
const realClearTimeout = globalThis.clearTimeout;
const realClearInterval = globalThis.clearInterval;
// biome-ignore lint/suspicious/noExplicitAny: wrapping the global timer functions as they are
const anyGlobal = globalThis as any;
anyGlobal.setTimeout = (callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => {
  const id = realSetTimeout(
    (...callArgs: unknown[]) => {
      liveTimers.delete(id);
      callback(...callArgs);
    },
    delay,
    ...args,
  );
  liveTimers.add(id);
  return id;
};
anyGlobal.setInterval = (callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => {
  const id = realSetInterval(callback, delay, ...args);
  liveTimers.add(id);
  return id;
};
anyGlobal.clearTimeout = (id?: number) => {
  liveTimers.delete(id);
  realClearTimeout(id);
};
anyGlobal.clearInterval = (id?: number) => {
  liveTimers.delete(id);
  realClearInterval(id);
};

/**
 * A listener added and not removed. Target and listener are held weakly (a listener often closes
 * over its target), so a collected target's listeners do not count and this test keeps nothing alive.
 */
interface ListenerRecord {
  target: WeakRef<EventTarget>;
  type: string;
  listener: WeakRef<EventListenerOrEventListenerObject>;
  capture: boolean;
}
const listeners = new Set<ListenerRecord>();
const realAdd = EventTarget.prototype.addEventListener;
const realRemove = EventTarget.prototype.removeEventListener;
const captureOf = (options: boolean | AddEventListenerOptions | EventListenerOptions | undefined) =>
  typeof options === "boolean" ? options : (options?.capture ?? false);
EventTarget.prototype.addEventListener = function (
  this: EventTarget,
  type: string,
  listener: EventListenerOrEventListenerObject | null,
  options?: boolean | AddEventListenerOptions,
) {
  realAdd.call(this, type, listener, options);
  if (!listener) return;
  const capture = captureOf(options);
  for (const record of listeners) {
    if (
      record.target.deref() === this &&
      record.type === type &&
      record.listener.deref() === listener &&
      record.capture === capture
    )
      return;
  }
  const record: ListenerRecord = {
    target: new WeakRef(this),
    type,
    listener: new WeakRef(listener),
    capture,
  };
  listeners.add(record);
  const settings = typeof options === "object" ? options : {};
  // A `once` listener removes itself when it fires; a `signal` removes it on abort.
  if (settings.once) realAdd.call(this, type, () => listeners.delete(record), { once: true, capture });
  settings.signal?.addEventListener("abort", () => listeners.delete(record), { once: true });
};
EventTarget.prototype.removeEventListener = function (
  this: EventTarget,
  type: string,
  listener: EventListenerOrEventListenerObject | null,
  options?: boolean | EventListenerOptions,
) {
  realRemove.call(this, type, listener, options);
  const capture = captureOf(options);
  for (const record of listeners) {
    if (
      record.target.deref() === this &&
      record.type === type &&
      record.listener.deref() === listener &&
      record.capture === capture
    )
      listeners.delete(record);
  }
};

const { Codec, joinMeeting, MediaKind } = await import("@videocall/client");
type TransportPreference = "websocket" | "webtransport";

const [serverUrl, cyclesText, transport] = Deno.args as [string, string, TransportPreference];
const cycles = Number(cyclesText);
const WARM_UP_CYCLES = 20;
const gc = (globalThis as unknown as { gc?: () => void }).gc;

async function settle(): Promise<void> {
  // Let closes finish (their timers end by themselves), then collect what is garbage.
  await new Promise((resolve) => realSetTimeout(resolve, 1500));
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => realSetTimeout(resolve, 50));
  }
}

async function sample() {
  await settle();
  let liveListeners = 0;
  const byType: Record<string, number> = {};
  for (const record of listeners) {
    if (record.target.deref() === undefined) {
      listeners.delete(record);
      continue;
    }
    liveListeners++;
    byType[record.type] = (byType[record.type] ?? 0) + 1;
  }
  return {
    timers: liveTimers.size,
    listeners: liveListeners,
    listenersByType: byType,
    heapUsedBytes: Deno.memoryUsage().heapUsed,
    openFds: [...Deno.readDirSync("/proc/self/fd")].length,
  };
}

// Someone stays in the meeting throughout, so each cycle also joins a live room and is announced to it.
const host = await joinMeeting({
  serverUrl,
  username: "host",
  meetingId: "lifecycle",
  transport,
  reconnect: false,
});
let warm: Awaited<ReturnType<typeof sample>> | undefined;
const started = performance.now();
for (let cycle = 1; cycle <= cycles; cycle++) {
  const session = await joinMeeting({
    serverUrl,
    username: `guest${cycle}`,
    meetingId: "lifecycle",
    transport,
  });
  const track = session.publishTrack({ kind: MediaKind.AUDIO, codec: Codec.OPUS });
  track.sendFrame({ keyframe: true, captureTimeUs: Date.now() * 1000, payload: new Uint8Array(60) });
  await session.leave();
  if (cycle === WARM_UP_CYCLES) warm = await sample();
}
const elapsedMs = performance.now() - started;
const end = await sample();
await host.leave();
console.log(JSON.stringify({ cycles, transport, warmUpCycles: WARM_UP_CYCLES, elapsedMs, warm, end }));
// Exit even if something the client left behind would keep the process alive: the report says what.
Deno.exit(0);
