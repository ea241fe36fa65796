import {
  FrameTooLargeError,
  frameOnStream,
  MAX_PACKET_BYTES,
  MediaKind,
  parseLobbyPath,
  StreamDeframer,
} from "@videocall/protocol";
import type { Logger } from "../observability/log.ts";
import type { RelayStats } from "../observability/relay-stats.ts";
import { type ClientConnection, CloseCode } from "../relay/client-connection.ts";
import type { ConnectionHandler, Relay } from "../relay/relay.ts";

/** The client must open its packet stream this soon after the session is established. */
const FIRST_STREAM_TIMEOUT_MS = 10_000;

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
): Promise<void> {
  const path = new URL(session.url).pathname;
  const lobby = parseLobbyPath(path);
  if (lobby.kind === "not-lobby") {
    session.close({ closeCode: 404, reason: `no such endpoint: ${path}` });
    return;
  }
  const streams = session.incomingBidirectionalStreams.getReader();
  const first = await Promise.race([
    streams.read(),
    new Promise<undefined>((resolve) => setTimeout(resolve, FIRST_STREAM_TIMEOUT_MS)),
  ]);
  streams.releaseLock();
  if (!first || first.done) {
    session.close({ closeCode: CloseCode.policyViolation, reason: "no packet stream opened" });
    return;
  }
  const stream = first.value;
  const streamWriter = stream.writable.getWriter();
  const datagrams = session.datagrams as WebTransportDatagramDuplexStream & {
    createWritable?: () => WritableStream<Uint8Array>;
  };
  const datagramWriter = (datagrams.createWritable?.() ?? datagrams.writable).getWriter();
  const maxDatagramBytes = datagrams.maxDatagramSize;
  let pendingStreamBytes = 0;
  let closed = false;

  const connection: ClientConnection = {
    transport: "webtransport",
    get bufferedBytes() {
      return pendingStreamBytes;
    },
    send(packet, kind) {
      if (closed) return;
      if (kind === MediaKind.AUDIO && packet.length <= maxDatagramBytes) {
        datagramWriter.write(packet).catch(() => {}); // a lost datagram is concealed by the receiver
        return;
      }
      const frame = framedOnce(packet);
      pendingStreamBytes += frame.length;
      streamWriter.write(frame).then(
        () => {
          pendingStreamBytes -= frame.length;
        },
        () => {},
      );
    },
    close(code, reason) {
      if (closed) return;
      closed = true;
      try {
        session.close({ closeCode: code, reason });
      } catch {
        // already closed
      }
    },
  };

  let handler: ConnectionHandler | undefined;
  try {
    handler = relay.accept(connection, lobby.username, lobby.meetingId);
  } catch (error) {
    relay.failedToAccept(connection, error);
  }
  if (!handler) return;
  const acceptedHandler = handler;
  session.closed.then(
    () => finish(),
    () => finish(),
  );
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    closed = true;
    acceptedHandler.onClosed();
  };
  // The packet stream lives as long as the client's membership: when it ends (the client sends a
  // FIN before closing the session) the client is gone. Deno's `session.closed` does not settle on
  // the client's close capsule, and the datagram reader would otherwise keep the session alive.
  void readDatagrams(datagrams.readable, acceptedHandler).catch(() => {});
  await readStream(stream.readable, acceptedHandler, connection, stats, log);
  connection.close(CloseCode.normal, "packet stream ended");
  finish();
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

async function readStream(
  readable: ReadableStream<Uint8Array>,
  handler: ConnectionHandler,
  connection: ClientConnection,
  stats: RelayStats,
  log: Logger,
): Promise<void> {
  const deframer = new StreamDeframer(MAX_PACKET_BYTES);
  const onPacket = (packet: Uint8Array) => handler.onPacket(packet);
  try {
    for await (const chunk of readable) deframer.push(chunk, onPacket);
  } catch (error) {
    if (error instanceof FrameTooLargeError) {
      stats.countBadInput("oversized");
      log.warn({ detail: error.message }, "closing connection: bad input");
      connection.close(CloseCode.messageTooBig, error.message);
    }
  }
}

async function readDatagrams(
  readable: ReadableStream<Uint8Array>,
  handler: ConnectionHandler,
): Promise<void> {
  for await (const datagram of readable) handler.onPacket(datagram);
}
