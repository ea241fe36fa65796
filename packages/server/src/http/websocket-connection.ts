import type { ClientConnection } from "../relay/client-connection.ts";
import { CloseCode } from "../relay/client-connection.ts";
import {
  type ConnectionHandler,
  type Relay,
  refuseConnection,
  TOO_MANY_CONNECTIONS_MESSAGE,
} from "../relay/relay.ts";

/** Re-read the socket's buffered amount once this many bytes may be buffered (far below the queue's high-water mark). */
const RECHECK_BUFFERED_BYTES = 64 * 1024;

/**
 * Upgrades `/lobby/<username>/<meetingId>` to a WebSocket and hands it to the relay. The
 * connection counts against `clientIp`'s limit from the request on; one over it is still upgraded,
 * so the browser sees the close code (4007) instead of a bare HTTP error. The handshake deadline
 * runs from the request to the client's first packet (clients ping as soon as they are welcomed).
 */
export function acceptWebSocket(
  request: Request,
  relay: Relay,
  username: string,
  meetingId: string,
  clientIp: string,
  /** The TCP front's socket and the bytes after the head: upgrade on it (the 101 is written by Deno). */
  on?: { socket: import("node:net").Socket; head: Uint8Array },
): Response {
  const slot = relay.acquireConnectionSlot(clientIp, "websocket");
  let upgraded: ReturnType<typeof Deno.upgradeWebSocket>;
  try {
    upgraded = Deno.upgradeWebSocket(request, { idleTimeout: 0, ...(on ?? {}) });
  } catch (error) {
    slot?.release();
    return new Response(`${(error as Error).message}\n`, { status: 400 });
  }
  const { socket, response } = upgraded;
  socket.binaryType = "arraybuffer";
  let knownBufferedBytes = 0;
  let sentSinceReadBytes = 0;
  const connection: ClientConnection = {
    transport: "websocket",
    // bufferedAmount is a call into Deno's runtime; the fan-out asks for it once per packet and
    // subscriber. Between reads, what we sent since is an upper bound on the growth (the buffer
    // only shrinks otherwise), so read it only when that bound passes a small threshold.
    get bufferedBytes() {
      if (knownBufferedBytes + sentSinceReadBytes >= RECHECK_BUFFERED_BYTES) {
        knownBufferedBytes = socket.bufferedAmount;
        sentSinceReadBytes = 0;
      }
      return knownBufferedBytes + sentSinceReadBytes;
    },
    send(packet) {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(packet as Uint8Array<ArrayBuffer>);
      sentSinceReadBytes += packet.length;
    },
    close(code, reason) {
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
        socket.close(code, reason);
      }
    },
  };
  let handler: ConnectionHandler | undefined;
  let handshakeTimer: ReturnType<typeof setTimeout> | undefined = setTimeout(() => {
    handshakeTimer = undefined;
    relay.limitHits.report(
      "handshake_timeout",
      { clientIp, transport: "websocket", timeoutMs: relay.limits.handshakeTimeoutMs },
      "closing connection: no handshake in time",
    );
    connection.close(
      CloseCode.handshakeTimeout,
      `no packet within ${relay.limits.handshakeTimeoutMs} ms of connecting`,
    );
  }, relay.limits.handshakeTimeoutMs);
  socket.onopen = () => {
    if (!slot) {
      refuseConnection(connection, CloseCode.tooManyConnections, TOO_MANY_CONNECTIONS_MESSAGE);
      return;
    }
    try {
      handler = relay.accept(connection, username, meetingId);
    } catch (error) {
      relay.failedToAccept(connection, error);
    }
  };
  socket.onmessage = (event) => {
    if (!handler) return;
    if (handshakeTimer !== undefined) {
      clearTimeout(handshakeTimer);
      handshakeTimer = undefined;
    }
    if (event.data instanceof ArrayBuffer) handler.onPacket(new Uint8Array(event.data));
    else handler.onTextFrame();
  };
  socket.onclose = () => {
    clearTimeout(handshakeTimer);
    handshakeTimer = undefined;
    slot?.release();
    handler?.onClosed();
  };
  socket.onerror = () => {}; // onclose follows and cleans up
  return response;
}
