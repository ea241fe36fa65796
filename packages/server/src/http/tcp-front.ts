import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isWebSocketUpgrade, parseRequestHead, type RequestHead } from "./request-head.ts";

/**
 * The plain-HTTP listener in front of the relay. It owns each TCP connection until its request
 * head is complete, so it can do what Deno.serve cannot (denoland/deno#3515: no header-read
 * timeout): cut a client that does not finish its head in time (slowloris), cap the connections
 * still in their handshake per IP and in all, and bound the head's size. Then:
 * - a WebSocket upgrade is handed to Deno's native WebSocket on the same socket
 *   (`Deno.upgradeWebSocket(request, { socket, head })`), which also measured cheaper per message
 *   than upgrading through Deno.serve (bench/relay);
 * - any other request (the web app, /api, /metrics) is piped to an internal Deno.serve listening
 *   on a private Unix socket: low volume, and Deno.serve keeps doing HTTP properly.
 * TLS sockets cannot be upgraded this way (Deno: "only TCP connections can be upgraded"), so with
 * a certificate the server uses Deno.serve directly.
 */

export interface TcpFrontOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** A connection must complete its request head this soon after it opened. */
  handshakeTimeoutMs: number;
  /** Connections from one IP still in their handshake; more are refused with 429. */
  maxPendingPerIp: number;
  /** Connections still in their handshake in all; more are refused with 503. */
  maxPending: number;
  /** Largest request head accepted (bytes); a longer one gets 431. */
  maxHeadBytes: number;
  /** A complete WebSocket opening handshake; the callee upgrades `socket` or answers on it. */
  onWebSocket(upgrade: WebSocketUpgradeRequest): void;
  /** Counts what the front refused, for /metrics. */
  onRefused?(reason: FrontRefusal): void;
}

export type FrontRefusal =
  | "handshake_timeout"
  | "pending_per_ip"
  | "pending_total"
  | "head_too_large"
  | "bad_head";

export interface WebSocketUpgradeRequest {
  request: Request;
  remoteAddress: string;
  socket: net.Socket;
  /** Bytes that arrived after the head (the client's first WebSocket frames), to hand back to the upgrade. */
  rest: Uint8Array;
  /** Answers with a bare HTTP status instead of upgrading, and closes the connection. */
  respond(status: number): void;
}

export interface TcpFront {
  readonly port: number;
  /** Where the internal Deno.serve must listen (a Unix socket path). */
  readonly upstreamPath: string;
  readonly pendingCount: number;
  close(): Promise<void>;
}

export async function startTcpFront(options: TcpFrontOptions): Promise<TcpFront> {
  const upstreamDir = mkdtempSync(join(tmpdir(), "videocall-http-"));
  const upstreamPath = join(upstreamDir, "http.sock");
  const pendingPerIp = new Map<string, number>();
  let pending = 0;
  const open = new Set<net.Socket>();

  const server = net.createServer({ noDelay: true }, (socket) => {
    const ip = socket.remoteAddress ?? "unknown";
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    socket.on("error", () => socket.destroy());
    const fromIp = pendingPerIp.get(ip) ?? 0;
    if (pending >= options.maxPending) return refuse(socket, 503, "pending_total");
    if (fromIp >= options.maxPendingPerIp) return refuse(socket, 429, "pending_per_ip");
    pending++;
    pendingPerIp.set(ip, fromIp + 1);
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      pending--;
      const left = (pendingPerIp.get(ip) ?? 1) - 1;
      if (left <= 0) pendingPerIp.delete(ip);
      else pendingPerIp.set(ip, left);
      clearTimeout(timer);
      socket.off("data", onData);
    };
    const timer = setTimeout(() => {
      settle();
      refuse(socket, 408, "handshake_timeout");
    }, options.handshakeTimeoutMs);
    socket.once("close", settle);
    let buffered: Uint8Array = new Uint8Array(0);
    const onData = (chunk: Uint8Array) => {
      buffered = concat(buffered, chunk);
      const parsed = parseRequestHead(buffered);
      if (parsed.kind === "incomplete") {
        if (buffered.length > options.maxHeadBytes) {
          settle();
          refuse(socket, 431, "head_too_large");
        }
        return;
      }
      settle();
      socket.pause();
      if (parsed.kind === "invalid" || parsed.head.headBytes > options.maxHeadBytes) {
        refuse(
          socket,
          parsed.kind === "invalid" ? 400 : 431,
          parsed.kind === "invalid" ? "bad_head" : "head_too_large",
        );
        return;
      }
      if (isWebSocketUpgrade(parsed.head)) {
        const request = toRequest(parsed.head, options.hostname);
        if (!request) return refuse(socket, 400, "bad_head");
        open.delete(socket); // Deno's WebSocket owns it now; the relay closes it
        options.onWebSocket({
          request,
          remoteAddress: ip,
          socket,
          rest: buffered.slice(parsed.head.headBytes),
          respond: (status) => respond(socket, status),
        });
        return;
      }
      pipeToUpstream(socket, buffered, upstreamPath);
    };
    socket.on("data", onData);
  });

  const refuse = (socket: net.Socket, status: number, reason: FrontRefusal) => {
    options.onRefused?.(reason);
    respond(socket, status);
  };

  const listening = Promise.withResolvers<void>();
  server.once("error", listening.reject);
  server.listen({ host: options.hostname, port: options.port }, () => listening.resolve());
  await listening.promise;
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    upstreamPath,
    get pendingCount() {
      return pending;
    },
    async close() {
      // Stops accepting; connections upgraded to WebSockets belong to the relay, which closed them.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of open) socket.destroy();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)))]);
      clearTimeout(timer);
      rmSync(upstreamDir, { recursive: true, force: true });
    },
  };
}

function respond(socket: net.Socket, status: number): void {
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
  );
  setTimeout(() => socket.destroy(), 1000);
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  408: "Request Timeout",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  503: "Service Unavailable",
};

function pipeToUpstream(socket: net.Socket, head: Uint8Array, upstreamPath: string): void {
  const upstream = net.connect({ path: upstreamPath });
  const destroyBoth = () => {
    socket.destroy();
    upstream.destroy();
  };
  upstream.on("error", destroyBoth);
  socket.on("error", destroyBoth);
  // When either side goes, so does the other: Deno.serve keeps an idle keep-alive connection open
  // after the client left, which held one descriptor per request.
  upstream.on("close", destroyBoth);
  socket.on("close", destroyBoth);
  upstream.write(head);
  socket.pipe(upstream);
  upstream.pipe(socket);
  socket.resume();
}

/** The head as a fetch Request, for Deno.upgradeWebSocket and the relay's routing. */
function toRequest(head: RequestHead, fallbackHost: string): Request | undefined {
  const host = head.headers.get("host") ?? fallbackHost;
  if (!URL.canParse(`http://${host}${head.target}`)) return undefined;
  return new Request(`http://${host}${head.target}`, { method: head.method, headers: head.headers });
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return new Uint8Array(b);
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
