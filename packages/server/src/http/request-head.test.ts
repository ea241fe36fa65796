import assert from "node:assert/strict";
import { isWebSocketUpgrade, parseRequestHead } from "./request-head.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("a WebSocket opening handshake parses, with what follows the head left over", () => {
  const text =
    "GET /lobby/alice/demo HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  const parsed = parseRequestHead(bytes(`${text}\x82\x00`));
  assert.equal(parsed.kind, "head");
  if (parsed.kind !== "head") return;
  assert.equal(parsed.head.target, "/lobby/alice/demo");
  assert.equal(parsed.head.headers.get("sec-websocket-version"), "13");
  assert.equal(parsed.head.headBytes, text.length);
  assert.ok(isWebSocketUpgrade(parsed.head));
});

Deno.test("an unfinished head is incomplete, not an error", () => {
  assert.equal(parseRequestHead(bytes("GET / HTTP/1.1\r\nHost: x\r\n")).kind, "incomplete");
});

Deno.test("malformed heads are refused with a reason", () => {
  for (const text of [
    "GET / HTTP/1.1 extra\r\n\r\n",
    "GET  / HTTP/1.1\r\n\r\n",
    "G@T / HTTP/1.1\r\n\r\n",
    "GET noslash HTTP/1.1\r\n\r\n",
    "GET / HTTP/2.0\r\n\r\n",
    "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
    "GET / HTTP/1.1\r\n: empty name\r\n\r\n",
    "GET / HTTP/1.1\r\nFolded: a\r\n continued\r\n\r\n",
    "GET / HTTP/1.1\r\nBare: a\nb\r\n\r\n",
    `GET / HTTP/1.1\r\n${"X-A: b\r\n".repeat(101)}\r\n`,
  ]) {
    const parsed = parseRequestHead(bytes(text));
    assert.equal(parsed.kind, "invalid", JSON.stringify(text));
  }
});

Deno.test("random and mutated heads never throw (seeded)", () => {
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const valid = bytes(
    "GET /lobby/a/b HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
  );
  for (let i = 0; i < 20_000; i++) {
    const input = random() < 0.3 ? new Uint8Array(Math.floor(random() * 200)) : valid.slice();
    for (let j = 0; j < input.length; j++) if (random() < 0.05) input[j] = Math.floor(random() * 256);
    if (input.length >= 4 && random() < 0.1)
      input.set(bytes("\r\n\r\n"), Math.floor(random() * (input.length - 3)));
    const parsed = parseRequestHead(input);
    assert.ok(parsed.kind === "head" || parsed.kind === "incomplete" || parsed.kind === "invalid");
  }
});
