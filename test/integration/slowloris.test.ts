import assert from "node:assert/strict";
import { joinMeeting } from "@videocall/client";
import { metricValue, startServer } from "../fixtures/server.ts";

/** Reads what the server sends until it closes the connection (or `limitMs` passes). */
async function readUntilClosed(
  conn: Deno.Conn,
  limitMs: number,
): Promise<{ text: string; elapsedMs: number }> {
  const start = performance.now();
  let text = "";
  const buffer = new Uint8Array(1024);
  const timer = setTimeout(() => conn.close(), limitMs);
  try {
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
  } catch {
    // closed by the timer
  } finally {
    clearTimeout(timer);
  }
  return { text, elapsedMs: performance.now() - start };
}

Deno.test("slowloris: clients dribbling their request head are cut at the handshake timeout; others still join", async () => {
  const server = await startServer({ extraArgs: ["--handshake-timeout-ms", "1500"] });
  const attackers: Deno.Conn[] = [];
  try {
    // 20 connections from one IP, each sending a header line every 200 ms and never finishing.
    for (let i = 0; i < 20; i++)
      attackers.push(await Deno.connect({ hostname: "127.0.0.1", port: server.port }));
    const dribbling = attackers.map(async (conn, i) => {
      const encoder = new TextEncoder();
      await conn
        .write(encoder.encode(`GET /lobby/slow${i}/m HTTP/1.1\r\nHost: 127.0.0.1\r\n`))
        .catch(() => {});
      for (let line = 0; line < 50; line++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        if ((await conn.write(encoder.encode(`X-${line}: y\r\n`)).catch(() => undefined)) === undefined)
          return;
      }
    });
    const cuts = attackers.map((conn) => readUntilClosed(conn, 8000));
    // Meanwhile an honest client joins at once.
    const alice = await joinMeeting({
      serverUrl: server.url,
      username: "alice",
      meetingId: "m",
      transport: "websocket",
    });
    for (const cut of await Promise.all(cuts)) {
      assert.match(cut.text, /^HTTP\/1.1 408/, "answered 408 Request Timeout");
      assert.ok(cut.elapsedMs < 6000, `cut after ${Math.round(cut.elapsedMs)} ms`);
    }
    await Promise.all(dribbling);
    assert.equal(
      metricValue(await server.metrics(), "videocall_limit_hits_total", { limit: "handshake_timeout" }),
      20,
    );
    assert.equal(alice.isClosed, false, "the honest client is still in the meeting");
    await alice.leave();
  } finally {
    for (const conn of attackers) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
    await server.stop();
  }
});

Deno.test("a request head over 16 KiB is refused with 431 and counted as bad input", async () => {
  const server = await startServer();
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn
      .write(new TextEncoder().encode(`GET / HTTP/1.1\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`))
      .catch(() => {});
    const { text } = await readUntilClosed(conn, 5000);
    assert.match(text, /^HTTP\/1.1 431/);
    assert.equal(
      metricValue(await server.metrics(), "videocall_bad_input_total", { reason: "bad_http_head" }),
      1,
    );
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 200, "the web app is still served through the front");
    await page.body?.cancel();
  } finally {
    await server.stop();
  }
});
