import {
  BATCHED_WEBSOCKET_VERSION,
  CloseCode,
  describeBatchProblem,
  forEachPacketInBatch,
  MAX_PACKET_BYTES,
} from "@videocall/protocol";
import { ConnectionError } from "../errors.ts";
import { PacketInbox } from "./packet-inbox.ts";
import type { PacketTransport, TransportCloseInfo } from "./packet-transport.ts";

/**
 * Opens a WebSocket to `url` offering `protocols` (the join offer: docs/protocol.md, "Joining")
 * and resolves once it is open. Works in browsers and Deno.
 */
export function connectWebSocket(
  url: string,
  protocols: string[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<PacketTransport> {
  return new Promise((resolve, reject) => {
    const socket = protocols.length > 0 ? new WebSocket(url, protocols) : new WebSocket(url);
    socket.binaryType = "arraybuffer";
    const fail = (error: ConnectionError) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.onopen = socket.onclose = socket.onerror = null;
      try {
        socket.close();
      } catch {
        // already closing
      }
      reject(error);
    };
    const onAbort = () => fail(new ConnectionError("cancelled", "joining was cancelled"));
    const timer = setTimeout(
      () => fail(new ConnectionError("timeout", `no answer from ${url} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.onerror = () => {};
    socket.onclose = (event) =>
      fail(
        event.code === 1006
          ? new ConnectionError("server-unreachable", `cannot reach ${url}`, event.code)
          : new ConnectionError("rejected", event.reason || `closed with code ${event.code}`, event.code),
      );
    socket.onopen = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(new WebSocketTransport(socket));
    };
  });
}

/** The version in the subprotocol the relay answered (`videocall.vN`); 1 when it answered none. */
function answeredVersion(protocol: string): number {
  const match = /^videocall\.v(\d+)$/.exec(protocol);
  return match ? Number(match[1]) : 1;
}

class WebSocketTransport implements PacketTransport {
  readonly kind = "websocket" as const;
  readonly #inbox = new PacketInbox();
  get onPacket(): (packet: Uint8Array) => void {
    return this.#inbox.listener;
  }
  set onPacket(listener: (packet: Uint8Array) => void) {
    this.#inbox.listener = listener;
  }
  onClose: (info: TransportCloseInfo) => void = () => {};
  #socket: WebSocket;
  #closedLocally = false;
  #failed = false;
  readonly #deliver = (packet: Uint8Array) => this.#inbox.deliver(packet);

  constructor(socket: WebSocket) {
    this.#socket = socket;
    // From v3 each message from the relay is a batch of length-prefixed packets (packet-batch.ts).
    const batched = answeredVersion(socket.protocol) >= BATCHED_WEBSOCKET_VERSION;
    socket.onmessage = (event) => {
      if (!(event.data instanceof ArrayBuffer) || this.#failed) return;
      const message = new Uint8Array(event.data);
      if (!batched) {
        this.#inbox.deliver(message);
        return;
      }
      const problem = forEachPacketInBatch(message, MAX_PACKET_BYTES, this.#deliver);
      if (problem) this.#fail(`the server sent a bad batch: ${describeBatchProblem(problem)}`);
    };
    socket.onclose = (event) => {
      if (!this.#failed) this.onClose({ code: event.code, reason: event.reason, local: this.#closedLocally });
    };
  }

  get bufferedBytes(): number {
    return this.#socket.bufferedAmount;
  }

  send(packet: Uint8Array): void {
    if (this.#socket.readyState === WebSocket.OPEN) this.#socket.send(packet as Uint8Array<ArrayBuffer>);
  }

  close(code = 1000, reason = ""): void {
    this.#closedLocally = true;
    this.#socket.close(code, reason);
  }

  /**
   * The framing is lost: nothing after a bad batch can be trusted. Reported as 1007 like a bad
   * stream frame over WebTransport (a page may not close a WebSocket with 1007 itself).
   */
  #fail(reason: string): void {
    this.#failed = true;
    this.#closedLocally = true;
    try {
      this.#socket.close(1000, "bad batch");
    } catch {
      // already closing
    }
    this.onClose({ code: CloseCode.invalidPayload, reason, local: true });
  }
}
