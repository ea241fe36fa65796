import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { waitFor } from "../../test/fixtures/wait.ts";
import { controlHandler } from "./control-server.ts";
import { ImpairmentProxy } from "./impairment-proxy.ts";

/** A UDP echo server on loopback. */
function udpEcho(): { port: number; close(): void } {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  (async () => {
    for (;;) {
      const [data, from] = await socket.receive();
      await socket.send(data, from);
    }
  })().catch(() => {});
  return { port: (socket.addr as Deno.NetAddr).port, close: () => socket.close() };
}

/** A TCP echo server on loopback. */
function tcpEcho(): { port: number; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      conn.readable.pipeTo(conn.writable).catch(() => {});
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close: () => {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // closed by the pipe
        }
      }
    },
  };
}

async function udpRoundTripMs(
  client: Deno.DatagramConn,
  proxyPort: number,
  timeoutMs = 2000,
): Promise<number> {
  const startMs = performance.now();
  await client.send(new Uint8Array([1, 2, 3]), { transport: "udp", hostname: "127.0.0.1", port: proxyPort });
  const reply = client.receive();
  const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), timeoutMs));
  const result = await Promise.race([reply, timeout]);
  if (result === "timeout") throw new Error("no echo");
  return performance.now() - startMs;
}

Deno.test("UDP through the proxy: each direction's delay adds to the round trip, and a change applies at once", async () => {
  const echo = udpEcho();
  const proxy = new ImpairmentProxy({ udpTarget: { hostname: "127.0.0.1", port: echo.port } });
  const client = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    const cleanMs = await udpRoundTripMs(client, proxy.udpPort!);
    proxy.setProfile({ up: { delayMs: 60 }, down: { delayMs: 40 } });
    const delayedMs = await udpRoundTripMs(client, proxy.udpPort!);
    ok(
      delayedMs >= 99,
      `round trip ${delayedMs.toFixed(1)} ms under 60 + 40 ms (clean ${cleanMs.toFixed(1)})`,
    );
    proxy.setProfile("clean");
    // The best of three, so one busy moment on a loaded machine does not look like delay.
    const againMs = Math.min(
      await udpRoundTripMs(client, proxy.udpPort!),
      await udpRoundTripMs(client, proxy.udpPort!),
      await udpRoundTripMs(client, proxy.udpPort!),
    );
    ok(againMs < 90, `back to ${againMs.toFixed(1)} ms without the 100 ms of delay`);
    // (A send is counted once its promise settles, which may be just after the echo arrives.)
    await waitFor("the last send counted", () => proxy.counters().down.packetsDelivered === 5);
    const counters = proxy.counters();
    strictEqual(counters.up.packetsIn, 5);
    strictEqual(counters.udp?.sessions, 1);
  } finally {
    client.close();
    proxy.close();
    echo.close();
  }
});

Deno.test("UDP through the proxy at 100 % loss delivers nothing and counts the drops", async () => {
  const echo = udpEcho();
  const proxy = new ImpairmentProxy({ udpTarget: { hostname: "127.0.0.1", port: echo.port } });
  const client = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    proxy.setProfile({ up: { lossRate: 1 } });
    let echoed = 0;
    await udpRoundTripMs(client, proxy.udpPort!, 300).then(
      () => echoed++,
      () => {},
    );
    strictEqual(echoed, 0);
    strictEqual(proxy.counters().up.dropped["random-loss"], 1);
    strictEqual(proxy.counters().up.packetsDelivered, 0);
  } finally {
    client.close();
    proxy.close();
    echo.close();
  }
});

Deno.test("TCP through the proxy under jitter and loss: every byte arrives, in order, later", async () => {
  const echo = tcpEcho();
  const proxy = new ImpairmentProxy({
    tcpTarget: { hostname: "127.0.0.1", port: echo.port },
    profile: { delayMs: 20, jitterMs: 15, lossRate: 0.05, rateBitsPerSecond: 8_000_000 },
    seed: 42,
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.tcpPort! });
  try {
    const sent = new Uint8Array(300_000);
    for (let i = 0; i < sent.length; i++) sent[i] = (i * 7 + (i >> 8)) & 0xff;
    const startMs = performance.now();
    const writing = (async () => {
      for (let offset = 0; offset < sent.length; offset += 10_000) {
        await conn.write(sent.subarray(offset, offset + 10_000));
      }
    })();
    const received = new Uint8Array(sent.length);
    let got = 0;
    while (got < sent.length) {
      const n = await conn.read(received.subarray(got));
      if (n === null) break;
      got += n;
    }
    await writing;
    const elapsedMs = performance.now() - startMs;
    strictEqual(got, sent.length);
    deepStrictEqual(received, sent);
    const counters = proxy.counters();
    ok(counters.up.retransmitted > 0 && counters.down.retransmitted > 0, "loss hit both directions");
    strictEqual(counters.up.bytesDelivered, sent.length);
    strictEqual(counters.down.bytesDelivered, sent.length);
    // 300 kB each way at 8 Mbit/s is 300 ms at least, plus the delays.
    ok(elapsedMs > 300, `took ${elapsedMs.toFixed(0)} ms`);
  } finally {
    conn.close();
    proxy.close();
    echo.close();
  }
});

Deno.test("the control endpoint sets a preset or a profile, refuses bad ones with 400, and reports counters", async () => {
  const proxy = new ImpairmentProxy({ tcpTarget: { hostname: "127.0.0.1", port: 9 } });
  const handle = controlHandler(proxy);
  const put = (body: string) => handle(new Request("http://x/profile", { method: "PUT", body }));
  try {
    strictEqual((await put('{"preset":"hotel"}')).status, 204);
    strictEqual(proxy.profile.down.delayMs, 40);
    strictEqual((await put('{"up":{"delayMs":5},"down":{"lossRate":0.1}}')).status, 204);
    strictEqual(proxy.profile.up.delayMs, 5);
    strictEqual(proxy.profile.down.lossRate, 0.1);
    const bad = await put('{"lossRate":7}');
    strictEqual(bad.status, 400);
    ok((await bad.text()).includes("lossRate"));
    strictEqual((await put('{"preset":"moon"}')).status, 400);
    strictEqual((await put("not json")).status, 400);
    strictEqual((await put("x".repeat(70_000))).status, 413);
    strictEqual(proxy.profile.up.delayMs, 5, "a refused profile changes nothing");
    const profile = await (await handle(new Request("http://x/profile"))).json();
    strictEqual(profile.up.delayMs, 5);
    const counters = await (await handle(new Request("http://x/counters"))).json();
    strictEqual(counters.up.packetsIn, 0);
    strictEqual((await handle(new Request("http://x/other"))).status, 404);
  } finally {
    proxy.close();
  }
});
