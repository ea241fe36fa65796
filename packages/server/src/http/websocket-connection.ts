import type { ClientConnection } from "../relay/client-connection.ts";
import type { ConnectionHandler, Relay } from "../relay/relay.ts";

/** Upgrades `/lobby/<username>/<meetingId>` to a WebSocket and hands it to the relay. */
export function acceptWebSocket(
  request: Request,
  relay: Relay,
  username: string,
  meetingId: string,
): Response {
  const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
  socket.binaryType = "arraybuffer";
  const connection: ClientConnection = {
    transport: "websocket",
    get bufferedBytes() {
      return socket.bufferedAmount;
    },
    send(packet) {
      if (socket.readyState === WebSocket.OPEN) socket.send(packet as Uint8Array<ArrayBuffer>);
    },
    close(code, reason) {
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
        socket.close(code, reason);
      }
    },
  };
  let handler: ConnectionHandler | undefined;
  socket.onopen = () => {
    handler = relay.accept(connection, username, meetingId);
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
