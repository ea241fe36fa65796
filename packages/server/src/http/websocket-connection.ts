import { BATCHED_WEBSOCKET_VERSION, parseJoinSubprotocols, versionSubprotocol } from "@videocall/protocol";
import { type Admission, isRefusal, type Refusal } from "../admission/admitter.ts";
import type { ClientConnection } from "../relay/client-connection.ts";
import { CloseCode } from "../relay/client-connection.ts";
import { type ConnectionHandler, type Relay, TOO_MANY_CONNECTIONS_MESSAGE } from "../relay/relay.ts";
import { type PendingBatch, turnBatcher } from "./turn-batcher.ts";

/** Re-read the socket's buffered amount once this many bytes may be buffered (far below the queue's high-water mark). */
const RECHECK_BUFFERED_BYTES = 64 * 1024;

/**
 * Upgrades `/lobby/<username>/<meetingId>` to a WebSocket and hands it to the relay. Admission
 * happens first, from the request head: the Sec-WebSocket-Protocol offer (versions, credential)
 * goes to Relay.admit, and the upgrade answers with the `videocall.vN` it picked. A refused client
 * is still upgraded, so the browser sees the Goodbye and close code instead of a bare HTTP error
 * (browsers show no HTTP status to a page). The connection counts against `clientIp`'s limit from
 * the request on. The handshake deadline runs from the upgrade to the client's first packet
 * (clients ping as soon as they are welcomed).
 */
export async function acceptWebSocket(
  request: Request,
  relay: Relay,
  username: string,
  meetingId: string,
  clientIp: string,
  /** The TCP front's socket and the bytes after the head: upgrade on it (the 101 is written by Deno). */
  on?: { socket: import("node:net").Socket; head: Uint8Array },
): Promise<Response> {
  const slot = relay.acquireConnectionSlot(clientIp, "websocket");
  const parsed = parseJoinSubprotocols(request.headers.get("sec-websocket-protocol"));
  let decision: Admission | Refusal;
  if (!slot) decision = { code: CloseCode.tooManyConnections, reason: TOO_MANY_CONNECTIONS_MESSAGE };
  else if (parsed.kind === "invalid") decision = { code: CloseCode.policyViolation, reason: parsed.detail };
  else {
    decision = await relay.admit({
      transport: "websocket",
      clientIp,
      username,
      meetingId,
      credential: parsed.offer.credential,
      password: parsed.offer.password,
      offeredVersions: parsed.offer.versions,
      e2ee: parsed.offer.e2ee === true,
    });
  }
  // A browser that offered subprotocols fails the connection unless the answer names one of
  // them, so even a refusal answers with an offered version (then says why in the Goodbye).
  let protocol: string | undefined;
  let answeredVersion = 1;
  if (parsed.kind === "offer") {
    const chosen = isRefusal(decision) ? undefined : decision.protocolVersion;
    answeredVersion =
      chosen !== undefined && parsed.offered.includes(chosen) ? chosen : (parsed.offered[0] as number);
    protocol = versionSubprotocol(answeredVersion);
  }
  let upgraded: ReturnType<typeof Deno.upgradeWebSocket>;
  try {
    upgraded = Deno.upgradeWebSocket(request, {
      idleTimeout: 0,
      ...(protocol ? { protocol } : {}),
      ...(on ?? {}),
    });
  } catch (error) {
    slot?.release();
    return new Response(`${(error as Error).message}\n`, { status: 400 });
  }
  const { socket, response } = upgraded;
  socket.binaryType = "arraybuffer";
  let knownBufferedBytes = 0;
  let sentSinceReadBytes = 0;
  // v3 (by the subprotocol answered, so a refusal's Goodbye too): what this socket is handed in
  // one event-loop turn goes out as one message (docs/protocol.md, "WebSocket").
  const batch: PendingBatch | undefined =
    answeredVersion >= BATCHED_WEBSOCKET_VERSION
      ? turnBatcher.open({
          sendBatch(bytes) {
            if (socket.readyState === WebSocket.OPEN) socket.send(bytes);
          },
          get writingBytes() {
            return socket.bufferedAmount;
          },
          onBatchFailed() {
            connection.close(CloseCode.internalError, "internal server error");
          },
        })
      : undefined;
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
    get exactBufferedBytes() {
      knownBufferedBytes = socket.bufferedAmount;
      // What waits for the end of this turn's batch is buffered too, just not in the socket yet.
      sentSinceReadBytes = batch?.pendingBytes ?? 0;
      return knownBufferedBytes + sentSinceReadBytes;
    },
    send(packet) {
      // A batch checks the socket's state once, when it is sent.
      if (batch) batch.add(packet);
      else if (socket.readyState === WebSocket.OPEN) socket.send(packet as Uint8Array<ArrayBuffer>);
      else return;
      sentSinceReadBytes += packet.length;
    },
    close(code, reason) {
      batch?.flush(); // the Goodbye that says why goes before the close
      batch?.close();
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
    if (isRefusal(decision)) {
      relay.refuse(connection, decision);
      return;
    }
    try {
      handler = relay.accept(connection, decision);
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
    batch?.close();
    clearTimeout(handshakeTimer);
    handshakeTimer = undefined;
    slot?.release();
    handler?.onClosed();
  };
  socket.onerror = () => {}; // onclose follows and cleans up
  return response;
}
