import {
  AudioDatagramWriter,
  CloseCode,
  frameOnStream,
  MAX_PACKET_BYTES,
  MediaKind,
} from "@videocall/protocol";
import { ConnectionError } from "../errors.ts";
import { PacketInbox } from "./packet-inbox.ts";
import { readPacketStream } from "./packet-stream-reader.ts";
import type { PacketTransport, TransportCloseInfo } from "./packet-transport.ts";

export interface WebTransportEndpoint {
  /** e.g. "https://localhost:8080/lobby/alice/demo" */
  url: string;
  /** Hashes of a development certificate to pin instead of trusting a CA. */
  certificateHashes: Array<{ algorithm: "sha-256"; value: Uint8Array<ArrayBuffer> }>;
}

/**
 * Opens a WebTransport session and its packet stream. The mapping (docs/protocol.md): one
 * bidirectional stream for the session's life carries control and video with length prefixes;
 * audio goes in datagrams. The first frame (a Ping made by the caller) opens the stream on the wire.
 */
export async function connectWebTransport(
  endpoint: WebTransportEndpoint,
  firstPacket: Uint8Array,
  timeoutMs: number,
  signal?: AbortSignal,
  hooks: {
    /** The QUIC and WebTransport handshakes worked (whether or not the first packet follows). */
    onReady?: () => void;
    /** Asked once ready: false closes the session before the first packet (the Join) is sent. */
    mayJoin?: () => boolean;
  } = {},
): Promise<PacketTransport> {
  if (typeof WebTransport === "undefined") {
    throw new ConnectionError("server-unreachable", "this browser has no WebTransport");
  }
  const session = new WebTransport(endpoint.url, {
    ...(endpoint.certificateHashes.length > 0 ? { serverCertificateHashes: endpoint.certificateHashes } : {}),
    congestionControl: "low-latency",
  });
  // Both may reject after we gave up on the session (timeout, cancel); that is not an error.
  session.closed.catch(() => {});
  session.ready.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => {
    try {
      session.close();
    } catch {
      // Not connected yet (Deno throws then): the pending ready rejects, which is handled below.
    }
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await Promise.race([
      session.ready,
      new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new ConnectionError(
                "timeout",
                `no WebTransport answer from ${endpoint.url} within ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
    hooks.onReady?.();
    if (signal?.aborted) throw new ConnectionError("cancelled", "joining was cancelled");
    const stream = await session.createBidirectionalStream();
    // Checked last: a stream is on the wire only from its first frame, so nothing has been sent yet.
    if (hooks.mayJoin && !hooks.mayJoin()) {
      throw new ConnectionError("cancelled", "another transport joined first");
    }
    const transport = new WebTransportPacketTransport(session, stream);
    transport.send(firstPacket);
    return transport;
  } catch (error) {
    try {
      session.close();
    } catch {
      // never opened
    }
    if (error instanceof ConnectionError) throw error;
    throw new ConnectionError(
      "server-unreachable",
      `cannot open WebTransport to ${endpoint.url}`,
      undefined,
      {
        cause: error,
      },
    );
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/** How long close() lets the stream's FIN go out before it closes the session regardless. */
const STREAM_FIN_GRACE_MS = 200;

class WebTransportPacketTransport implements PacketTransport {
  readonly kind = "webtransport" as const;
  readonly #inbox = new PacketInbox();
  get onPacket(): (packet: Uint8Array) => void {
    return this.#inbox.listener;
  }
  set onPacket(listener: (packet: Uint8Array) => void) {
    this.#inbox.listener = listener;
  }
  onClose: (info: TransportCloseInfo) => void = () => {};
  readonly #session: WebTransport;
  readonly #streamWriter: WritableStreamDefaultWriter<Uint8Array>;
  readonly #datagramWriter: AudioDatagramWriter;
  readonly #maxDatagramBytes: number;
  #pendingStreamBytes = 0;
  #closed = false;
  #closedLocally = false;
  /** Datagrams can overtake the stream: none is handed on before the stream's first packet (the Welcome). */
  #streamStarted = false;

  constructor(session: WebTransport, stream: WebTransportBidirectionalStream) {
    this.#session = session;
    this.#streamWriter = stream.writable.getWriter();
    const datagrams = session.datagrams;
    this.#datagramWriter = new AudioDatagramWriter(datagrams);
    this.#maxDatagramBytes = datagrams.maxDatagramSize;
    this.#readStream(stream.readable);
    this.#readDatagrams(datagrams.readable);
    session.closed.then(
      (info) => this.#finish(info.closeCode ?? 0, info.reason ?? ""),
      () => this.#finish(1006, "WebTransport connection lost"),
    );
  }

  get bufferedBytes(): number {
    return this.#pendingStreamBytes;
  }

  send(packet: Uint8Array, kind?: number): void {
    if (this.#closed) return;
    if (kind === MediaKind.AUDIO && packet.length <= this.#maxDatagramBytes) {
      this.#datagramWriter.write(packet); // dropped when too many wait: concealed by the receiver
      return;
    }
    const frame = frameOnStream(packet);
    this.#pendingStreamBytes += frame.length;
    this.#streamWriter.write(frame).then(
      () => {
        this.#pendingStreamBytes -= frame.length;
      },
      () => {},
    );
  }

  close(code = 1000, reason = ""): void {
    if (this.#closed) return;
    this.#closedLocally = true;
    // Deno's WebTransport server does not surface the session-close capsule (its `closed` stays
    // pending until the QUIC idle timeout), so the relay would keep a ghost for a heartbeat
    // timeout. Ending our packet stream first (a FIN) tells it at once; then close the session.
    const closeSession = () => {
      try {
        this.#session.close({ closeCode: code, reason });
      } catch {
        // already closed
      }
    };
    const finTimer = setTimeout(closeSession, STREAM_FIN_GRACE_MS);
    this.#streamWriter
      .close()
      .catch(() => {})
      .finally(() => {
        clearTimeout(finTimer);
        closeSession();
      });
    this.#finish(code, reason);
  }

  #finish(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.onClose({ code, reason, local: this.#closedLocally });
  }

  async #readStream(readable: ReadableStream<Uint8Array>): Promise<void> {
    const end = await readPacketStream(readable, MAX_PACKET_BYTES, (packet) => {
      this.#streamStarted = true;
      this.#inbox.deliver(packet);
    });
    // A frame over the limit means the server's framing is broken (or someone is lying): nothing
    // after it can be trusted, so give the connection up with a reason the session can show.
    // Any other end: the session's closed promise reports why.
    if (end.kind === "frame-too-large") {
      this.close(
        CloseCode.invalidPayload,
        `the server sent a stream frame of ${end.frameBytes} bytes, over the ${end.maxBytes}-byte limit`,
      );
    }
  }

  async #readDatagrams(readable: ReadableStream<Uint8Array>): Promise<void> {
    try {
      // Audio routed to us before our Welcome was read would be taken for the server's first packet
      // (and fail the join); dropping it costs what a lost datagram costs.
      for await (const datagram of readable) if (this.#streamStarted) this.#inbox.deliver(datagram);
    } catch {
      // closed
    }
  }
}
