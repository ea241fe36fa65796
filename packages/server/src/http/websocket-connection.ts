import type { ClientConnection } from "../relay/client-connection.ts";
import type { ConnectionHandler, Relay } from "../relay/relay.ts";

/** Re-read the socket's buffered amount once this many bytes may be buffered (far below the queue's high-water mark). */
const RECHECK_BUFFERED_BYTES = 64 * 1024;

/** Upgrades `/lobby/<username>/<meetingId>` to a WebSocket and hands it to the relay. */
export function acceptWebSocket(
  request: Request,
  relay: Relay,
  username: string,
  meetingId: string,
): Response {
  const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
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
  socket.onopen = () => {
    try {
      handler = relay.accept(connection, username, meetingId);
    } catch (error) {
      relay.failedToAccept(connection, error);
    }
  };
  socket.onmessage = (event) => {
    if (!handler) return;
    if (event.data instanceof ArrayBuffer) handler.onPacket(new Uint8Array(event.data));
    else handler.onTextFrame();
  };
  socket.onclose = () => handler?.onClosed();
  socket.onerror = () => {}; // onclose follows and cleans up
  return response;
}
