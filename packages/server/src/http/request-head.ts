/**
 * Parses an HTTP/1.1 request head (request line and header fields, RFC 9112 §2-§5) from bytes a
 * client sent. Only what the TCP front needs to route a connection: method, target, version and
 * the header fields. Strict by design (a relay, not a general web server): no obsolete line
 * folding, no bare LF, no whitespace before the colon, tokens only in method and field names.
 * Never throws: bytes in, a head or a reason out.
 */

export interface RequestHead {
  method: string;
  /** The request target as sent (origin-form: "/path?query"). */
  target: string;
  headers: Headers;
  /** Bytes of the head including the final CRLF CRLF; what follows belongs to the body or the WebSocket. */
  headBytes: number;
}

export type HeadParse =
  | { kind: "head"; head: RequestHead }
  /** No CRLF CRLF yet: read more (if the limit allows). */
  | { kind: "incomplete" }
  | { kind: "invalid"; reason: string };

const CR = 13;
const LF = 10;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** A request target is visible ASCII only (RFC 3986 characters; no controls, spaces or bytes over 0x7e). */
const VISIBLE_ASCII = /^[!-~]+$/;
const MAX_HEADER_FIELDS = 100;

/** Index just past the first CRLF CRLF in `bytes`, or -1. */
export function endOfHead(bytes: Uint8Array): number {
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i] === LF && bytes[i - 1] === CR && bytes[i - 2] === LF && bytes[i - 3] === CR) return i + 1;
  }
  return -1;
}

export function parseRequestHead(bytes: Uint8Array): HeadParse {
  const end = endOfHead(bytes);
  if (end < 0) return { kind: "incomplete" };
  // latin1 maps every byte to one code unit, so lengths and offsets stay byte-exact.
  const text = latin1(bytes.subarray(0, end - 4));
  const lines = text.split("\r\n");
  for (const line of lines) {
    if (line.includes("\n") || line.includes("\r")) return { kind: "invalid", reason: "bare CR or LF" };
  }
  const requestLine = lines[0] ?? "";
  const parts = requestLine.split(" ");
  if (parts.length !== 3) return { kind: "invalid", reason: "malformed request line" };
  const [method, target, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) return { kind: "invalid", reason: "malformed method" };
  if (!target.startsWith("/") || !VISIBLE_ASCII.test(target)) {
    return { kind: "invalid", reason: "malformed request target" };
  }
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0")
    return { kind: "invalid", reason: "unsupported HTTP version" };
  if (lines.length - 1 > MAX_HEADER_FIELDS) return { kind: "invalid", reason: "too many header fields" };
  const headers = new Headers();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    if (colon <= 0) return { kind: "invalid", reason: "malformed header field" };
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!TOKEN.test(name) || !FIELD_VALUE.test(value))
      return { kind: "invalid", reason: "malformed header field" };
    try {
      headers.append(name, value);
    } catch {
      return { kind: "invalid", reason: "malformed header field" };
    }
  }
  return { kind: "head", head: { method, target, headers, headBytes: end } };
}

/** True for a WebSocket opening handshake (RFC 6455 §4.1): the front upgrades those itself. */
export function isWebSocketUpgrade(head: RequestHead): boolean {
  return (
    head.method === "GET" &&
    head.headers.get("upgrade")?.toLowerCase() === "websocket" &&
    (head.headers.get("connection") ?? "")
      .toLowerCase()
      .split(/\s*,\s*/)
      .includes("upgrade")
  );
}

function latin1(bytes: Uint8Array): string {
  let text = "";
  const chunk = 8192;
  for (let i = 0; i < bytes.length; i += chunk) {
    text += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return text;
}
