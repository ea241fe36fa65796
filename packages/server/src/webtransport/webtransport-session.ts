import {
  AudioDatagramWriter,
  BodyField,
  decodePacketSafely,
  FrameTooLargeError,
  frameOnStream,
  type JoinOffer,
  MediaKind,
  MIN_PROTOCOL_VERSION,
  parseLobbyPath,
  RoutingHeader,
  StreamDeframer,
  scanRoutingHeader,
} from "@videocall/protocol";
import { isRefusal } from "../admission/admitter.ts";
import type { ConnectionSlot } from "../limits/connections-per-ip.ts";
import type { HandshakeDeadline } from "../limits/handshake-deadline.ts";
import type { Logger } from "../observability/log.ts";
import type { RelayStats } from "../observability/relay-stats.ts";
import {
  type ClientConnection,
  CloseCode,
  HOLD_WHILE_WRITING_MAX_BYTES,
} from "../relay/client-connection.ts";
import { type ConnectionHandler, type Relay, TOO_MANY_CONNECTIONS_MESSAGE } from "../relay/relay.ts";

/** How long a close waits for the stream's last data and FIN to go out before closing regardless. */
const CLOSE_GRACE_MS = 250;
const CLOSE_AFTER_FIN_MS = 20;

/** Packets a client may send while its Join is being decided; more are dropped. */
const MAX_HELD_PACKETS = 32;

/** What the server decided before the session: its IP's slot (none: refuse with 4007) and its handshake deadline. */
export interface SessionAdmission {
  slot: ConnectionSlot | undefined;
  clientIp: string;
  deadline: HandshakeDeadline;
}

/**
 * One browser's WebTransport session, mapped onto the relay like a WebSocket:
 * - the client opens one bidirectional stream and keeps it for the whole session; packets travel
 *   on it both ways, each with a varint length prefix (protocol/stream-framing.ts): control and video;
 * - audio travels as datagrams, one Packet per datagram, so a lost or late audio frame never holds
 *   up anything else (an audio packet too big for a datagram falls back to the stream).
 */
export async function serveWebTransportSession(
  session: WebTransport & { url: string },
  relay: Relay,
  stats: RelayStats,
  log: Logger,
  admission: SessionAdmission,
): Promise<void> {
  const { deadline } = admission;
  const path = new URL(session.url).pathname;
  const lobby = parseLobbyPath(path);
  if (lobby.kind === "not-lobby") {
    session.close({ closeCode: 404, reason: `no such endpoint: ${path}` });
    return;
  }
  // The handshake deadline (its owner closes the session with 4008) bounds the wait for the stream.
  const streams = session.incomingBidirectionalStreams.getReader();
  const first = await Promise.race([streams.read(), deadline.whenExpired]);
  if (!first || first.done) return;
  const stream = first.value;
  const streamWriter = stream.writable.getWriter();
  const datagrams = session.datagrams;
  const datagramWriter = new AudioDatagramWriter(datagrams);
  const maxDatagramBytes = datagrams.maxDatagramSize;
  let pendingStreamBytes = 0;
  let closed = false;
  // What the stream is handed within one event-loop turn goes out as one write of one buffer (no
  // timer: the first frame of a turn queues a microtask, which runs after the turn's packets).
  // While the previous write is not done, a small chunk waits and takes the next turns' frames
  // too: they would have queued behind that write anyway (docs/protocol.md, "Why batches").
  const turnFrames: Uint8Array[] = [];
  let turnBytes = 0;
  let writeInFlight = false;
  const writeDone = () => {
    writeInFlight = false;
    writeTurn();
  };
  const writeTurn = (force = false) => {
    if (turnFrames.length === 0 || closed) return;
    if (writeInFlight && !force && turnBytes < HOLD_WHILE_WRITING_MAX_BYTES) return; // writeDone sends it
    const bytes = turnBytes;
    const chunk = turnFrames.length === 1 ? (turnFrames[0] as Uint8Array) : joinFrames(turnFrames, bytes);
    turnFrames.length = 0;
    turnBytes = 0;
    writeInFlight = true;
    streamWriter.write(chunk).then(
      () => {
        pendingStreamBytes -= bytes;
        writeDone();
      },
      () => {
        writeInFlight = false; // the stream is broken: the session's close follows
      },
    );
  };

  const connection: ClientConnection = {
    transport: "webtransport",
    get bufferedBytes() {
      return pendingStreamBytes;
    },
    send(packet, kind) {
      if (closed) return;
      if (kind === MediaKind.AUDIO && packet.length <= maxDatagramBytes) {
        datagramWriter.write(packet); // a lost or dropped datagram is concealed by the receiver
        return;
      }
      const frame = framedOnce(packet);
      pendingStreamBytes += frame.length;
      turnFrames.push(frame);
      turnBytes += frame.length;
      if (turnFrames.length === 1) queueMicrotask(writeTurn);
    },
    close(code, reason) {
      if (closed) return;
      writeTurn(true); // the Goodbye that says why goes before the FIN
      closed = true;
      const closeSession = () => {
        clearTimeout(graceTimer);
        try {
          session.close({ closeCode: code, reason });
        } catch {
          // already closed
        }
      };
      // Closing the session at once abandons what is still in the stream's send buffer, such as
      // the Goodbye that says why: end the stream first (its FIN follows the data), then close.
      const graceTimer = setTimeout(closeSession, CLOSE_GRACE_MS);
      streamWriter
        .close()
        .catch(() => {})
        .finally(() => setTimeout(closeSession, CLOSE_AFTER_FIN_MS));
    },
  };

  if (!admission.slot) {
    relay.refuse(connection, { code: CloseCode.tooManyConnections, reason: TOO_MANY_CONNECTIONS_MESSAGE });
    return;
  }
  const clientIp = admission.clientIp;
  const limitStreams = new StreamLimiter(relay, connection, log);
  limitStreams.count(); // the packet stream
  void limitStreams.refuseBidirectional(streams).catch(() => {});
  const datagramReader = datagrams.readable.getReader();
  const unidirectionalStreams = session.incomingUnidirectionalStreams.getReader();
  void limitStreams.refuseUnidirectional(unidirectionalStreams).catch(() => {});
  let handler: ConnectionHandler | undefined;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    // Its readers would otherwise wait on a session Deno never settles, and keep it alive.
    streams.cancel().catch(() => {});
    datagramReader.cancel().catch(() => {});
    unidirectionalStreams.cancel().catch(() => {});
    closed = true;
    handler?.onClosed();
  };
  session.closed.then(finish, finish);

  // Admission waits for the first packet on the stream: a Join (v2: versions and credential), or
  // anything else from a v1 client (its Ping), which is then handled as its first packet.
  let phase: "awaiting-join" | "admitting" | "decided" = "awaiting-join";
  const held: Uint8Array[] = [];
  const admitFrom = async (first: Uint8Array) => {
    const join = readJoin(first);
    const decision =
      join.kind === "invalid"
        ? { code: CloseCode.invalidPayload, reason: join.detail }
        : await relay.admit({
            transport: "webtransport",
            clientIp,
            username: lobby.username,
            meetingId: lobby.meetingId,
            credential: join.offer.credential,
            password: join.offer.password,
            offeredVersions: join.offer.versions,
            e2ee: join.offer.e2ee === true,
          });
    phase = "decided";
    if (finished) return; // gone while the admitter thought
    if (isRefusal(decision)) {
      relay.refuse(connection, decision);
      return;
    }
    try {
      handler = relay.accept(connection, decision);
    } catch (error) {
      relay.failedToAccept(connection, error);
    }
    if (!handler) return;
    if (join.kind === "legacy") handler.onPacket(first);
    for (const packet of held.splice(0)) handler.onPacket(packet);
  };
  const onStreamPacket = (packet: Uint8Array) => {
    deadline.meet();
    if (handler) handler.onPacket(packet);
    else if (phase === "awaiting-join") {
      phase = "admitting";
      admitFrom(packet.slice()).catch((error: unknown) => relay.failedToAccept(connection, error));
    } else if (phase === "admitting" && held.length < MAX_HELD_PACKETS) held.push(packet.slice());
  };
  // Datagrams are not ordered with the stream: one may overtake the Join. Until the decision they
  // wait (a bounded few), then count as the client's packets like any other.
  const onDatagram = (packet: Uint8Array) => {
    if (handler) handler.onPacket(packet);
    else if (phase !== "decided" && held.length < MAX_HELD_PACKETS) held.push(packet.slice());
  };
  // The packet stream lives as long as the client's membership: when it ends (the client sends a
  // FIN before closing the session) the client is gone. Deno's `session.closed` does not settle on
  // the client's close capsule, and the datagram reader would otherwise keep the session alive.
  void readDatagrams(datagramReader, onDatagram).catch(() => {});
  await readStream(stream.readable, onStreamPacket, connection, relay, stats, log);
  connection.close(CloseCode.normal, "packet stream ended");
  finish();
}

type ReadJoin = { kind: "join" | "legacy"; offer: JoinOffer } | { kind: "invalid"; detail: string };

const joinHeader = new RoutingHeader();

/** A v2 client's Join, or a v1 client's first packet (which offers v1 alone). */
function readJoin(first: Uint8Array): ReadJoin {
  if (!scanRoutingHeader(first, joinHeader) || joinHeader.body !== BodyField.join) {
    // Not a Join: a v1 client. Its packet is checked like any other once it is admitted.
    return { kind: "legacy", offer: { versions: { min: MIN_PROTOCOL_VERSION, max: MIN_PROTOCOL_VERSION } } };
  }
  const decoded = decodePacketSafely(first);
  if (!decoded.ok || decoded.packet.body.case !== "join")
    return { kind: "invalid", detail: "malformed Join" };
  const join = decoded.packet.body.value;
  if (join.minProtocolVersion < 1 || join.maxProtocolVersion < join.minProtocolVersion) {
    return { kind: "invalid", detail: "Join offers no protocol version" };
  }
  return {
    kind: "join",
    offer: {
      versions: { min: join.minProtocolVersion, max: join.maxProtocolVersion },
      ...(join.credential ? { credential: join.credential } : {}),
      ...(join.e2ee ? { e2ee: true } : {}),
      ...(join.password ? { password: join.password } : {}),
    },
  };
}

// The fan-out hands the same packet to every subscriber in turn: frame it once, not once each.
let lastPacket: Uint8Array | undefined;
let lastFrame: Uint8Array = new Uint8Array(0);
function framedOnce(packet: Uint8Array): Uint8Array {
  if (packet !== lastPacket) {
    lastPacket = packet;
    lastFrame = frameOnStream(packet);
  }
  return lastFrame;
}

/** The frames of one turn in one buffer (a frame may be shared by every subscriber: copied, never changed). */
function joinFrames(frames: readonly Uint8Array[], totalBytes: number): Uint8Array {
  const joined = new Uint8Array(totalBytes);
  let offset = 0;
  for (const frame of frames) {
    joined.set(frame, offset);
    offset += frame.length;
  }
  return joined;
}

async function readStream(
  readable: ReadableStream<Uint8Array>,
  onPacket: (packet: Uint8Array) => void,
  connection: ClientConnection,
  relay: Relay,
  stats: RelayStats,
  log: Logger,
): Promise<void> {
  // A declared length over the limit is refused from the prefix, before anything is buffered for it.
  const deframer = new StreamDeframer(relay.limits.maxPacketBytes);
  try {
    for await (const chunk of readable) deframer.push(chunk, onPacket);
  } catch (error) {
    if (error instanceof FrameTooLargeError) {
      relay.limitHits.count("packet_size");
      stats.countBadInput("oversized");
      log.warn({ detail: error.message }, "closing connection: bad input");
      connection.close(CloseCode.messageTooBig, error.message);
    }
  }
}

async function readDatagrams(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  onPacket: (packet: Uint8Array) => void,
): Promise<void> {
  for (;;) {
    const next = await reader.read();
    if (next.done) return;
    onPacket(next.value);
  }
}

/**
 * The protocol uses one client-opened bidirectional stream. Further streams, of either kind, are
 * cancelled unread (a stream the relay never reads would hold its flow-control window and
 * buffers); opening more than the limit in all closes the session with 4009.
 */
class StreamLimiter {
  readonly #relay: Relay;
  readonly #connection: ClientConnection;
  readonly #log: Logger;
  #opened = 0;
  #closed = false;

  constructor(relay: Relay, connection: ClientConnection, log: Logger) {
    this.#relay = relay;
    this.#connection = connection;
    this.#log = log;
  }

  count(): void {
    this.#opened++;
    if (this.#closed || this.#opened <= this.#relay.limits.maxWebTransportStreams) return;
    this.#closed = true;
    this.#relay.limitHits.count("webtransport_streams");
    this.#log.warn(
      { limit: "webtransport_streams", opened: this.#opened, max: this.#relay.limits.maxWebTransportStreams },
      "closing connection: too many WebTransport streams",
    );
    this.#connection.close(CloseCode.tooManyStreams, "too many streams: the protocol uses one");
  }

  async refuseBidirectional(
    streams: ReadableStreamDefaultReader<WebTransportBidirectionalStream>,
  ): Promise<void> {
    for (;;) {
      const next = await streams.read();
      if (next.done) return;
      this.count();
      next.value.readable.cancel().catch(() => {});
      next.value.writable.abort().catch(() => {});
    }
  }

  async refuseUnidirectional(
    streams: ReadableStreamDefaultReader<ReadableStream<Uint8Array>>,
  ): Promise<void> {
    for (;;) {
      const next = await streams.read();
      if (next.done) return;
      this.count();
      next.value.cancel().catch(() => {});
    }
  }
}
