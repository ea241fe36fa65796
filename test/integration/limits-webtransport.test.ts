/** Resource limits over WebTransport (the scenarios), plus what only WebTransport has: streams and frames. */
import { encodePacket, frameOnStream } from "@videocall/protocol";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { metricValue, startServer } from "../fixtures/server.ts";
import { delay, waitFor } from "../fixtures/wait.ts";
import { openRawWebTransport } from "../fixtures/webtransport-raw.ts";
import { defineLimitTests } from "./limits-scenarios.ts";

defineLimitTests("webtransport");

const PING = frameOnStream(encodePacket({ body: { case: "ping", value: { nonce: 1 } } }));

Deno.test("a WebTransport client that opens more streams than allowed is closed with 4009", async () => {
  const server = await startServer(); // the default allows 4 streams in all
  try {
    const raw = await openRawWebTransport(server.url, "/lobby/mallory/streams");
    await raw.writer.write(PING);
    let closedCode: number | undefined;
    raw.closed.then((info) => {
      closedCode = info.closeCode;
    });
    await waitFor("mallory to join", async () => {
      return (
        metricValue(await server.metrics(), "videocall_connections", { transport: "webtransport" }) === 1
      );
    });
    // Two more bidirectional streams and one unidirectional: four in all, still allowed (and ignored).
    for (let i = 0; i < 2; i++) {
      const extra = await raw.session.createBidirectionalStream();
      await extra.writable.getWriter().write(new Uint8Array([1, 2, 3]));
    }
    const uni = await raw.session.createUnidirectionalStream();
    await uni.getWriter().write(new Uint8Array([1]));
    await delay(500);
    assertEquals(closedCode, undefined, "four streams are within the limit");
    const fifth = await raw.session.createBidirectionalStream();
    await fifth.writable.getWriter().write(new Uint8Array([1]));
    const closed = await raw.closed;
    assertEquals(closed.closeCode, 4009);
    assertEquals(
      metricValue(await server.metrics(), "videocall_limit_hits_total", { limit: "webtransport_streams" }),
      1,
    );
  } finally {
    await server.stop();
  }
});

Deno.test("a frame length over --max-packet-bytes is refused from its prefix with 1009", async () => {
  const server = await startServer({ extraArgs: ["--max-packet-bytes", "65536"] });
  try {
    const raw = await openRawWebTransport(server.url, "/lobby/mallory/big");
    await raw.writer.write(PING);
    // A 4-byte varint declaring 1,000,000 bytes, followed by 3: the server can only refuse it from
    // the prefix, since the rest never comes.
    const declared = 1_000_000;
    await raw.writer.write(
      new Uint8Array([
        0x80 | (declared >>> 24),
        (declared >>> 16) & 0xff,
        (declared >>> 8) & 0xff,
        declared & 0xff,
        1,
        2,
        3,
      ]),
    );
    const closed = await raw.closed;
    assertEquals(closed.closeCode, 1009);
    assert(closed.reason.includes("frame of 1000000 bytes exceeds the 65536-byte limit"), closed.reason);
    assertEquals(
      metricValue(await server.metrics(), "videocall_limit_hits_total", { limit: "packet_size" }),
      1,
    );
  } finally {
    await server.stop();
  }
});
