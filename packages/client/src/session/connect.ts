import {
  decodePacket,
  decodePacketSafely,
  encodePacket,
  isFatalCloseCode,
  type JoinOffer,
  joinSubprotocols,
  lobbyPath,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  type ProtocolVersionRange,
  type Waiting,
  type Welcome,
} from "@videocall/protocol";
import { ConnectionError } from "../errors.ts";
import type { PacketTransport, TransportKind } from "../transport/packet-transport.ts";
import {
  processTransportMemory,
  type TransportMemory,
  transportMemoryOrigin,
} from "../transport/transport-memory.ts";
import { connectWebSocket } from "../transport/websocket-transport.ts";
import { connectWebTransport } from "../transport/webtransport-transport.ts";

export type TransportPreference = "auto" | TransportKind;

export interface ConnectOptions {
  /** Server origin, e.g. "http://localhost:8080"; the WebSocket and WebTransport URLs derive from it. */
  serverUrl: string;
  username: string;
  meetingId: string;
  /** "auto" races WebTransport against WebSocket; the others force one (tests, diagnostics). */
  transport?: TransportPreference;
  connectTimeoutMs?: number;
  /**
   * With "auto", when WebTransport joined this server last time: how long WebSocket waits before
   * joining the race (it starts at once when WebTransport fails). When WebSocket joined last, both
   * start at once.
   */
  webTransportHeadStartMs?: number;
  /** The same when nothing is remembered for this server (default the same 1000 ms). */
  firstVisitHeadStartMs?: number;
  /**
   * Which transport joined each server last ("auto" starts with it). Default: this process's own
   * memory; the web app passes one kept in localStorage, so a reload starts with the right one.
   */
  transportMemory?: TransportMemory;
  signal?: AbortSignal;
  /**
   * Proof of who the user is, for the server's admitter: a room token (docs/tokens.md). Sent in the
   * WebSocket subprotocols or the WebTransport Join, never in the URL. `token` is the same.
   */
  credential?: string;
  /** A room token from the server's join endpoint or an integrator's backend (docs/tokens.md). */
  token?: string;
  /** The meeting's password, if it has one (Join.password / `videocall.password.*`). */
  password?: string;
  /** Protocol versions to offer (default all this library speaks); the server picks one in range. */
  protocolVersions?: ProtocolVersionRange;
  /** Tell the server this client encrypts its media end to end (set by `joinMeeting({ e2ee })`). */
  offersE2ee?: boolean;
  /**
   * The meeting holds this joiner in its waiting room until a host admits it (then the Welcome
   * follows and the join completes) or denies it (the join fails with close code 4042). While it
   * waits the connection heartbeats and the connect timeout does not run.
   */
  onWaiting?: (waiting: Waiting) => void;
}

/** What this client offers the server when it joins. */
function joinOffer(options: ConnectOptions): JoinOffer {
  return {
    versions: options.protocolVersions ?? { min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION },
    ...(options.token || options.credential
      ? { credential: (options.token || options.credential) as string }
      : {}),
    ...(options.password ? { password: options.password } : {}),
    ...(options.offersE2ee ? { e2ee: true } : {}),
  };
}

export interface Connected {
  transport: PacketTransport;
  welcome: Welcome;
  /** Packets that arrived after the Welcome before the session took over the transport. */
  early: Uint8Array[];
  /** Set when the transport closed in that same window. */
  closedEarly?: { code: number; reason: string };
}

const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * WebTransport needs more round trips before its Welcome than WebSocket (the /api/webtransport
 * fetch, the QUIC handshake, the CONNECT), so WebSocket waits this long, and then only if
 * WebTransport has not even opened (race() below). A browser's first QUIC handshake to a server
 * took over 500 ms here under load. Where UDP is silently dropped, joining costs this much more;
 * a refused UDP port fails at once.
 */
const DEFAULT_HEAD_START_MS = 1000;
/**
 * The head start when nothing is remembered for the server: as long as with WebTransport remembered.
 * A shorter one (250 ms was tried) lost WebTransport on a loaded machine, where a process's first
 * QUIC handshake took 1.7 s; a network that drops QUIC pays it once, then WebSocket is remembered.
 */
const FIRST_VISIT_HEAD_START_MS = DEFAULT_HEAD_START_MS;
/** When WebSocket is welcomed first but WebTransport is already open, how long WebTransport may still win. */
const PREFERRED_GRACE_MS = 1000;

/** Opens one connection to the meeting and waits for its Welcome. */
export function connectToMeeting(options: ConnectOptions): Promise<Connected> {
  const preference = options.transport ?? "auto";
  // Only one connection may wait in the waiting room (a host would see the joiner twice): the first one
  // held keeps its place, a second one held is closed, and no further attempt starts.
  let held: PacketTransport | undefined;
  const onHeld = (transport: PacketTransport, waiting: Waiting, cancelOthers?: () => void): boolean => {
    if (held && held !== transport) return false;
    held = transport;
    cancelOthers?.();
    options.onWaiting?.(waiting);
    return true;
  };
  const viaWebSocket = (onOpen?: () => void, cancelOthers?: () => void, signal?: AbortSignal) =>
    withWelcome(
      signal ? { ...options, signal } : options,
      () => openWebSocket(signal ? { ...options, signal } : options),
      onOpen,
      (t, w) => onHeld(t, w, cancelOthers),
    );
  const viaWebTransport = (onOpen?: () => void, cancelOthers?: () => void, hooks?: WebTransportHooks) =>
    withWelcome(
      options,
      () => openWebTransport(options, hooks),
      onOpen,
      (t, w) => onHeld(t, w, cancelOthers),
    );
  if (preference === "websocket") return viaWebSocket();
  if (preference === "webtransport") return viaWebTransport();
  return raceRemembered(options, viaWebSocket, viaWebTransport);
}

/**
 * "auto": the transport that joined this server last starts first and the other follows after the
 * head start (or at once when the first fails); with nothing remembered, WebTransport goes first.
 * WebSocket remembered: both start at once, so a network that drops QUIC costs nothing, and a
 * WebTransport attempt whose handshake completes after WebSocket won closes before it sends its Join
 * (no ghost in the meeting) and is remembered for next time. WebTransport is preferred when its
 * handshake is done by the time WebSocket is welcomed (race()'s grace).
 */
async function raceRemembered(
  options: ConnectOptions,
  viaWebSocket: (onOpen?: () => void, cancelOthers?: () => void, signal?: AbortSignal) => Promise<Connected>,
  viaWebTransport: (
    onOpen?: () => void,
    cancelOthers?: () => void,
    hooks?: WebTransportHooks,
  ) => Promise<Connected>,
): Promise<Connected> {
  const memory = options.transportMemory ?? processTransportMemory;
  const origin = transportMemoryOrigin(options.serverUrl);
  const remembered = memory.recall(origin);
  const headStartMs = options.webTransportHeadStartMs ?? DEFAULT_HEAD_START_MS;
  // WebSocket attempts still connecting when another transport wins are cancelled (a late one
  // would join, and be seen joining and leaving).
  const raceOver = new AbortController();
  let winner: TransportKind | undefined;
  const webSocket = {
    start: (onOpen: () => void, cancelOthers: () => void) =>
      viaWebSocket(onOpen, cancelOthers, anySignal(options.signal, raceOver.signal)),
  };
  const webTransport = {
    start: (onOpen: () => void, cancelOthers: () => void) =>
      viaWebTransport(onOpen, cancelOthers, {
        mayJoin: () => winner === undefined,
        onReady: () => {
          if (winner === "websocket") memory.remember(origin, "webtransport");
        },
      }),
  };
  const attempts =
    remembered === "websocket"
      ? [
          { ...webSocket, delayMs: 0 },
          { ...webTransport, delayMs: 0 },
        ]
      : [
          { ...webTransport, delayMs: 0 },
          {
            ...webSocket,
            delayMs:
              remembered === "webtransport"
                ? headStartMs
                : (options.firstVisitHeadStartMs ?? FIRST_VISIT_HEAD_START_MS),
          },
        ];
  const connected = await race(attempts, (won) => {
    winner = won.transport.kind;
    raceOver.abort();
    memory.remember(origin, winner);
  });
  return connected;
}

/** Aborts when either does (AbortSignal.any where the runtime has it). */
function anySignal(first: AbortSignal | undefined, second: AbortSignal): AbortSignal {
  if (!first) return second;
  if (typeof AbortSignal.any === "function") return AbortSignal.any([first, second]);
  const both = new AbortController();
  const abort = () => both.abort();
  if (first.aborted || second.aborted) abort();
  first.addEventListener("abort", abort, { once: true });
  second.addEventListener("abort", abort, { once: true });
  return both.signal;
}

interface WebTransportHooks {
  /** Asked once the session is ready: false closes it before the Join is sent. */
  mayJoin?: () => boolean;
  /** The QUIC and WebTransport handshakes worked (whether or not the Join follows). */
  onReady?: () => void;
}

export function lobbyUrl(serverUrl: string, username: string, meetingId: string): string {
  const url = new URL(serverUrl);
  url.protocol = url.protocol === "https:" || url.protocol === "wss:" ? "wss:" : "ws:";
  url.pathname = lobbyPath(username, meetingId);
  return url.toString();
}

function openWebSocket(options: ConnectOptions): Promise<PacketTransport> {
  return connectWebSocket(
    lobbyUrl(options.serverUrl, options.username, options.meetingId),
    joinSubprotocols(joinOffer(options)),
    options.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    options.signal,
  );
}

interface WebTransportInfo {
  enabled: boolean;
  port?: number;
  certificateHashes?: Array<{ algorithm: "sha-256"; valueBase64: string }>;
}

async function openWebTransport(
  options: ConnectOptions,
  hooks?: WebTransportHooks,
): Promise<PacketTransport> {
  const base = new URL(options.serverUrl);
  base.protocol = base.protocol === "wss:" ? "https:" : base.protocol === "ws:" ? "http:" : base.protocol;
  let info: WebTransportInfo;
  try {
    const response = await fetch(new URL("/api/webtransport", base), {
      ...(options.signal ? { signal: options.signal } : {}),
    });
    info = (await response.json()) as WebTransportInfo;
  } catch (cause) {
    throw new ConnectionError("server-unreachable", `cannot reach ${base.origin}`, undefined, { cause });
  }
  if (!info.enabled || !info.port) {
    throw new ConnectionError("server-unreachable", "the server does not offer WebTransport");
  }
  const url = new URL(`https://${base.hostname}:${info.port}`);
  url.pathname = lobbyPath(options.username, options.meetingId);
  // The first frame on the packet stream is the Join: it opens the stream on the wire too.
  const offer = joinOffer(options);
  const join = encodePacket({
    body: {
      case: "join",
      value: {
        minProtocolVersion: offer.versions.min,
        maxProtocolVersion: offer.versions.max,
        credential: offer.credential ?? "",
        e2ee: offer.e2ee === true,
        password: offer.password ?? "",
      },
    },
  });
  return connectWebTransport(
    {
      url: url.toString(),
      certificateHashes: (info.certificateHashes ?? []).map((hash) => ({
        algorithm: hash.algorithm,
        value: Uint8Array.from(atob(hash.valueBase64), (c) => c.charCodeAt(0)),
      })),
    },
    join,
    options.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    options.signal,
    hooks,
  );
}

/** Opens a transport and waits for the first packet, which must be a Welcome of a version we offered. */
async function withWelcome(
  options: ConnectOptions,
  open: () => Promise<PacketTransport>,
  /** Called once the transport is open, before the Welcome. */
  onOpen?: () => void,
  /** The relay holds this connection in the waiting room; false: close it (another one waits already). */
  onWaiting?: (transport: PacketTransport, waiting: Waiting) => boolean,
): Promise<Connected> {
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const transport = await open();
  onOpen?.();
  // Packets after the Welcome can arrive before the session attaches (Deno dispatches socket
  // events between microtasks): keep them for the session to replay.
  const early: Uint8Array[] = [];
  let welcomed = false;
  let closedEarly: { code: number; reason: string } | undefined;
  let waitingPings: ReturnType<typeof setInterval> | undefined;
  const overtaking: Uint8Array[] = [];
  let removeAbortListener = () => {};
  const first = await new Promise<Uint8Array>((resolve, reject) => {
    const timer = setTimeout(() => {
      transport.close(1000, "no welcome");
      reject(new ConnectionError("timeout", `the server sent no Welcome within ${timeoutMs} ms`));
    }, timeoutMs);
    transport.onPacket = (bytes) => {
      if (welcomed) {
        early.push(bytes.slice());
        return;
      }
      const held = heldPacketIn(bytes);
      if (held === "pong" && waitingPings !== undefined) return; // the answer to a waiting-room heartbeat
      if (held === "other" && waitingPings !== undefined) {
        // Admitted: WebTransport datagrams (audio) can overtake the Welcome on the stream. They follow
        // it on the server's side, so they are kept and replayed after it (a bounded few).
        if (overtaking.length < MAX_OVERTAKING_PACKETS) overtaking.push(bytes.slice());
        return;
      }
      const waiting = held === "pong" || held === "other" ? undefined : held;
      if (waiting) {
        // Held until a host decides: no timeout, but heartbeats so the relay keeps the place.
        clearTimeout(timer);
        if (onWaiting && !onWaiting(transport, waiting)) {
          transport.close(1000, "another connection waits");
          return;
        }
        clearInterval(waitingPings);
        const intervalMs = Math.max(250, Math.min(waiting.heartbeatIntervalMs || 5000, 5000) / 2);
        waitingPings = setInterval(
          () => transport.send(encodePacket({ body: { case: "ping", value: { nonce: 0 } } })),
          intervalMs,
        );
        return;
      }
      welcomed = true;
      clearTimeout(timer);
      clearInterval(waitingPings);
      early.push(...overtaking);
      resolve(bytes.slice());
    };
    transport.onClose = (info) => {
      clearTimeout(timer);
      clearInterval(waitingPings);
      options.signal?.removeEventListener("abort", onAbort);
      if (welcomed) closedEarly = { code: info.code, reason: info.reason };
      else reject(new ConnectionError("rejected", info.reason || `closed with code ${info.code}`, info.code));
    };
    // Leaving while held in the waiting room (or before the Welcome) closes the connection, so hosts stop seeing us.
    const onAbort = () => {
      if (welcomed) return;
      clearTimeout(timer);
      clearInterval(waitingPings);
      transport.onClose = () => {};
      transport.send(encodePacket({ body: { case: "leave", value: {} } }));
      transport.close(1000, "cancelled");
      reject(new ConnectionError("cancelled", "the join was cancelled"));
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    removeAbortListener = () => options.signal?.removeEventListener("abort", onAbort);
  });
  removeAbortListener();
  let packet: ReturnType<typeof decodePacket>;
  try {
    packet = decodePacket(first);
  } catch (cause) {
    transport.close(1002, "malformed welcome");
    throw new ConnectionError("protocol-error", "the server sent a malformed packet", undefined, { cause });
  }
  if (packet.body.case === "goodbye") {
    // A refusal (meeting full, server full, too many connections…): the reason is for the user,
    // the close code that follows says whether retrying can help.
    // A v2 relay says the code in the Goodbye: a WebTransport close can lose it on the way.
    const { reason, closeCode } = packet.body.value;
    if (closeCode !== 0) transport.close(1000, "refused");
    throw new ConnectionError(
      "rejected",
      reason,
      closeCode !== 0 ? closeCode : await closeCodeAfterGoodbye(transport, closedEarly),
    );
  }
  if (packet.body.case !== "welcome") {
    transport.close(1000, "expected welcome");
    throw new ConnectionError("protocol-error", `expected Welcome, got ${packet.body.case}`);
  }
  const offered = joinOffer(options).versions;
  const version = packet.body.value.protocolVersion;
  if (version < offered.min || version > offered.max) {
    transport.close(1002, "protocol version mismatch");
    throw new ConnectionError(
      "protocol-error",
      `the server picked protocol v${version}, this client offered v${offered.min}-v${offered.max}`,
    );
  }
  return { transport, welcome: packet.body.value, early, ...(closedEarly ? { closedEarly } : {}) };
}

/**
 * What a packet before the Welcome is: the Waiting packet a relay sends a joiner it holds in the
 * waiting room, a Pong, "other" for a packet that belongs after a Welcome (media, say), or undefined
 * for a Welcome, a Goodbye or bytes that do not decode (the caller handles those as the first packet).
 */
function heldPacketIn(bytes: Uint8Array): Waiting | "pong" | "other" | undefined {
  const decoded = decodePacketSafely(bytes);
  if (!decoded.ok) return undefined;
  const body = decoded.packet.body;
  switch (body.case) {
    case "waiting":
      return body.value;
    case "pong":
      return "pong";
    case "welcome":
    case "goodbye":
    case undefined:
      return undefined;
    default:
      return "other";
  }
}

/** Packets kept while a Welcome after the waiting room is overtaken (WebTransport datagrams). */
const MAX_OVERTAKING_PACKETS = 64;

/** How long a refused client waits for the close (and its code) that follows a Goodbye. */
const GOODBYE_CLOSE_WAIT_MS = 2000;

async function closeCodeAfterGoodbye(
  transport: PacketTransport,
  closedEarly: { code: number } | undefined,
): Promise<number | undefined> {
  if (closedEarly) return closedEarly.code;
  const code = await new Promise<number | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), GOODBYE_CLOSE_WAIT_MS);
    transport.onClose = (info) => {
      clearTimeout(timer);
      resolve(info.code);
    };
  });
  if (code === undefined) transport.close(1000, "refused");
  return code;
}

/**
 * Starts the first attempt at once and each later one after its delay — unless an earlier attempt
 * has already opened its transport by then (its handshake worked, so it is only waiting for the
 * Welcome; a loaded machine can take longer than the head start for that). An attempt that fails
 * starts every waiting one at once. The first to be welcomed wins; a later success is closed.
 * Fails only when all fail, with the most telling error.
 */
function race(
  attempts: Array<{
    start: (onOpen: () => void, cancelOthers: () => void) => Promise<Connected>;
    delayMs: number;
  }>,
  /** Called with the winner as it is chosen, before any other attempt hears of it. */
  onSettle?: (connected: Connected) => void,
): Promise<Connected> {
  return new Promise((resolve, reject) => {
    let winner: Connected | undefined;
    const errors: unknown[] = [];
    const started = new Set<number>();
    const open = new Set<number>();
    const timers: Array<ReturnType<typeof setTimeout>> = [];
    let held: Connected | undefined;
    /** Set when an attempt is held in a waiting room: nothing new starts. */
    let noMoreAttempts = false;
    const settle = (connected: Connected) => {
      if (winner) return;
      winner = connected;
      for (const timer of timers) clearTimeout(timer);
      if (held && held !== connected) held.transport.close(1000, "another transport won");
      onSettle?.(connected);
      resolve(connected);
    };
    const launch = (index: number) => {
      if (started.has(index) || winner || noMoreAttempts) return;
      started.add(index);
      const cancelOthers = () => {
        // Held in a waiting room: later attempts would only wait there too.
        for (const timer of timers) clearTimeout(timer);
        noMoreAttempts = true;
      };
      attempts[index]!.start(() => open.add(index), cancelOthers).then(
        (connected) => {
          if (winner) {
            connected.transport.close(1000, "another transport won");
            return;
          }
          // A preferred (earlier) attempt whose handshake already worked is probably a moment
          // from its Welcome: give it that moment before settling for this one.
          const preferred = [...open].some((other) => other < index);
          if (preferred && !held) {
            held = connected;
            timers.push(setTimeout(() => settle(connected), PREFERRED_GRACE_MS));
            return;
          }
          settle(connected);
        },
        (error: unknown) => {
          open.delete(index);
          errors.push(error);
          if (winner) return;
          if (held) {
            settle(held); // the preferred attempt failed after all: take the one we held
            return;
          }
          if (errors.length === attempts.length || (noMoreAttempts && errors.length === started.size)) {
            reject(mostTelling(errors));
            return;
          }
          for (let next = 0; next < attempts.length; next++) launch(next);
        },
      );
    };
    attempts.forEach((attempt, index) => {
      if (attempt.delayMs <= 0) launch(index);
      else {
        timers.push(
          setTimeout(() => {
            const earlierIsOpen = [...open].some((other) => other < index);
            if (!earlierIsOpen) launch(index);
          }, attempt.delayMs),
        );
      }
    });
  });
}

/**
 * A rejection by the server (bad name, forbidden) says more than "unreachable", and one with the
 * server's own code (4000-4999, or one after which retrying cannot help) says more than a
 * transport that lost the code (WebTransport reports a lost session as 1006).
 */
function mostTelling(errors: unknown[]): unknown {
  const rejections = errors.filter(
    (e): e is ConnectionError => e instanceof ConnectionError && e.reason === "rejected",
  );
  const meaningful = (code: number | undefined) =>
    code !== undefined && ((code >= 4000 && code <= 4999) || isFatalCloseCode(code));
  return rejections.find((e) => meaningful(e.closeCode)) ?? rejections[0] ?? errors[errors.length - 1];
}
