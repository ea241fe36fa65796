/** Resource limits over WebSocket (the scenarios), plus what only WebSocket has. */
import { assert, assertEquals } from "../fixtures/assert.ts";
import { openRawClient, type RawClient } from "../fixtures/raw-client.ts";
import { metricValue, startServer } from "../fixtures/server.ts";
import { defineLimitTests } from "./limits-scenarios.ts";

defineLimitTests("websocket");

Deno.test("WebSocket and WebTransport connections from one IP count against one limit", async () => {
  const server = await startServer({ extraArgs: ["--max-connections-per-ip", "5"] });
  const clients: RawClient[] = [];
  try {
    for (let i = 0; i < 3; i++) clients.push(await openRawClient("websocket", server.url, `ws${i}`, "mixed"));
    for (let i = 0; i < 3; i++)
      clients.push(await openRawClient("webtransport", server.url, `wt${i}`, "mixed"));
    const last = clients.at(-1)!;
    assertEquals((await last.closed).code, 4007, "the sixth connection, over WebTransport, is refused");
    assertEquals(clients.filter((c) => c.isClosed()).length, 1);
  } finally {
    for (const client of clients) client.close();
    await server.stop();
  }
});

Deno.test("a WebSocket message over --max-packet-bytes closes that connection with 1009", async () => {
  const server = await startServer({ extraArgs: ["--max-packet-bytes", "65536"] });
  try {
    const mallory = await openRawClient("websocket", server.url, "mallory", "big");
    mallory.send(new Uint8Array(65_537));
    const closed = await mallory.closed;
    assertEquals(closed.code, 1009);
    assert(closed.reason.includes("exceeds the 65536-byte limit"), closed.reason);
    const metrics = await server.metrics();
    assertEquals(metricValue(metrics, "videocall_limit_hits_total", { limit: "packet_size" }), 1);
  } finally {
    await server.stop();
  }
});

Deno.test("/metrics lists every limit's hit counter and the node's queued bytes", async () => {
  const server = await startServer();
  try {
    const metrics = await server.metrics();
    for (const limit of [
      "connections_per_ip",
      "participants_per_meeting",
      "meetings_per_node",
      "packet_rate",
      "byte_rate",
      "handshake_timeout",
      "webtransport_streams",
      "packet_size",
      "subscriber_queued_bytes",
      "node_queued_bytes",
    ]) {
      assert(metrics.includes(`videocall_limit_hits_total{limit="${limit}"} 0`), `${limit} in:\n${metrics}`);
    }
    assert(/\nvideocall_queued_bytes 0\n/.test(metrics), "the queued-bytes gauge");
  } finally {
    await server.stop();
  }
});
