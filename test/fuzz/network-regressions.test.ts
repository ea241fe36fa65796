/**
 * Crashes the network fuzzer found that only a real transport can reproduce (the in-process
 * harness has no QUIC stack): each replayed against a real server process.
 */
import { encodePacket, frameOnStream } from "@videocall/protocol";
import { assertEquals } from "../fixtures/assert.ts";
import { metricValue, startServer } from "../fixtures/server.ts";
import { openRawWebTransport } from "../fixtures/webtransport-raw.ts";

// Found 2026-12-01 by `npm run fuzz` (seeds 1, 2 and 7, a truncated-to-nothing mutation sent as a
// datagram). Deno's WebTransport enqueues each datagram into a byte stream, and a zero-length
// chunk makes that enqueue throw inside Deno ("Argument 1 Length must be non-zero" in
// WebTransportDatagramDuplexStream.#receiveDatagrams): an unhandled rejection, which ended the
// whole process before the relay's process guards, and which still stops that session's
// datagram reading (compare w3c/webtransport#795: one empty datagram disables datagram reception).
Deno.test("an empty WebTransport datagram leaves the server, its sender's stream and the other sessions' datagrams running", async () => {
  const server = await startServer();
  try {
    const mallory = await openRawWebTransport(server.url, "/lobby/mallory/empty");
    const alice = await openRawWebTransport(server.url, "/lobby/alice/empty");
    const ping = frameOnStream(encodePacket({ body: { case: "ping", value: { nonce: 1 } } }));
    await mallory.writer.write(ping);
    await alice.writer.write(ping);
    const packetsIn = async () =>
      metricValue(await server.metrics(), "videocall_packets_in_total", { transport: "webtransport" });
    const waitForCount = async (what: string, expected: number) => {
      const deadline = performance.now() + 10_000;
      let count = await packetsIn();
      while (count < expected && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        count = await packetsIn();
      }
      assertEquals(count, expected, what);
    };
    await waitForCount("both pings arrived", 2);
    await mallory.datagrams.write(new Uint8Array(0));
    await new Promise((r) => setTimeout(r, 300));
    // Alice's datagram and both streams still reach the relay.
    await alice.datagrams.write(encodePacket({ body: { case: "ping", value: { nonce: 2 } } }));
    await waitForCount("alice's datagram arrived", 3);
    await mallory.writer.write(ping);
    await alice.writer.write(ping);
    await waitForCount("both streams still carry packets", 5);
    const healthz = await fetch(`${server.url}/healthz`);
    await healthz.body?.cancel();
    assertEquals(healthz.status, 200);
    let aliceClosed = false;
    void alice.closed.then(() => {
      aliceClosed = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    assertEquals(aliceClosed, false, "alice is still in the call");
    alice.session.close();
    mallory.session.close();
  } finally {
    await server.stop();
  }
});
