import assert from "node:assert/strict";
import { startTcpFront, type TcpFront, type WebSocketUpgradeRequest } from "./tcp-front.ts";

interface Fixture {
  front: TcpFront;
  refused: string[];
  close(): Promise<void>;
}

/** A front with an internal Deno.serve behind it that answers "hello", and echoing WebSockets. */
async function startFront(
  options: { handshakeTimeoutMs?: number; maxPendingPerIp?: number } = {},
): Promise<Fixture> {
  const refused: string[] = [];
  const front = await startTcpFront({
    hostname: "127.0.0.1",
    port: 0,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 5000,
    maxPendingPerIp: options.maxPendingPerIp ?? 8,
    maxPending: 100,
    maxHeadBytes: 4096,
    onWebSocket({ request, socket, rest }: WebSocketUpgradeRequest) {
      const { socket: ws } = Deno.upgradeWebSocket(request, { socket, head: rest });
      ws.onmessage = (event) => ws.send(event.data);
    },
    onRefused: (reason) => refused.push(reason),
  });
  const upstream = Deno.serve(
    { path: front.upstreamPath, transport: "unix", onListen() {} },
    (request) => new Response(`hello ${new URL(request.url).pathname}`),
  );
  return {
    front,
    refused,
    async close() {
      await front.close();
      await upstream.shutdown();
    },
  };
}

async function readAll(conn: Deno.Conn, limitMs: number): Promise<{ text: string; elapsedMs: number }> {
  const start = performance.now();
  const chunks: string[] = [];
  const buffer = new Uint8Array(4096);
  const timer = setTimeout(() => conn.close(), limitMs);
  try {
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      chunks.push(new TextDecoder().decode(buffer.subarray(0, n)));
    }
  } catch {
    // closed by the timer
  } finally {
    clearTimeout(timer);
  }
  return { text: chunks.join(""), elapsedMs: performance.now() - start };
}

Deno.test("plain HTTP requests pass through the front to the internal server", async () => {
  const fixture = await startFront();
  try {
    const response = await fetch(`http://127.0.0.1:${fixture.front.port}/healthz`);
    assert.equal(await response.text(), "hello /healthz");
  } finally {
    await fixture.close();
  }
});

Deno.test("a WebSocket handshake is upgraded by Deno on the front's socket", async () => {
  const fixture = await startFront();
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${fixture.front.port}/lobby/a/b`);
    ws.binaryType = "arraybuffer";
    const echoed = await new Promise<Uint8Array>((resolve, reject) => {
      ws.onopen = () => ws.send(new Uint8Array([1, 2, 3]));
      ws.onmessage = (event) => resolve(new Uint8Array(event.data as ArrayBuffer));
      ws.onerror = () => reject(new Error("websocket failed"));
    });
    assert.deepEqual([...echoed], [1, 2, 3]);
    ws.close();
  } finally {
    await fixture.close();
  }
});

Deno.test("slowloris: a client dribbling its request head is cut at the handshake timeout", async () => {
  const fixture = await startFront({ handshakeTimeoutMs: 800 });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: fixture.front.port });
    const dribble = (async () => {
      await conn.write(new TextEncoder().encode("GET /lobby/a/b HTTP/1.1\r\n"));
      for (let i = 0; i < 40; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await conn.write(new TextEncoder().encode(`X-${i}: y\r\n`)).catch(() => {});
      }
    })();
    const { text, elapsedMs } = await readAll(conn, 4000);
    assert.match(text, /^HTTP\/1.1 408/);
    assert.ok(elapsedMs < 3000, `cut after ${elapsedMs} ms`);
    assert.deepEqual(fixture.refused, ["handshake_timeout"]);
    await dribble.catch(() => {});
  } finally {
    await fixture.close();
  }
});

Deno.test("a silent connection is cut too, and one IP's handshakes in progress are capped", async () => {
  const fixture = await startFront({ handshakeTimeoutMs: 1500, maxPendingPerIp: 3 });
  try {
    const silent = await Promise.all(
      [1, 2, 3].map(() => Deno.connect({ hostname: "127.0.0.1", port: fixture.front.port })),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fourth = await Deno.connect({ hostname: "127.0.0.1", port: fixture.front.port });
    assert.match((await readAll(fourth, 2000)).text, /^HTTP\/1.1 429/);
    const cuts = await Promise.all(silent.map((conn) => readAll(conn, 5000)));
    for (const cut of cuts) assert.match(cut.text, /^HTTP\/1.1 408/);
    // Once they are gone, the same IP is served again.
    const response = await fetch(`http://127.0.0.1:${fixture.front.port}/after`);
    assert.equal(await response.text(), "hello /after");
  } finally {
    await fixture.close();
  }
});

Deno.test("an oversized or malformed head is refused with 431 or 400", async () => {
  const fixture = await startFront();
  try {
    for (const [head, status] of [
      [`GET / HTTP/1.1\r\nX: ${"a".repeat(5000)}\r\n\r\n`, 431],
      ["GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400],
      ["\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400],
    ] as const) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: fixture.front.port });
      await conn.write(new TextEncoder().encode(head));
      assert.match((await readAll(conn, 3000)).text, new RegExp(`^HTTP/1.1 ${status}`));
    }
  } finally {
    await fixture.close();
  }
});
