/**
 * Pong.server_time_us: the relay stamps its clock into every Pong it answers, and the client
 * library turns stamped Pongs into its offset to the server (NTP-style). Server and client share a
 * host here, so the offset must come out near zero, within the round trip.
 */
import { joinMeeting } from "@videocall/client";
import { encodePacket } from "@videocall/protocol";
import { assert } from "../fixtures/assert.ts";
import { openRawClient } from "../fixtures/raw-client.ts";
import { startServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";

Deno.test("the relay stamps its clock into a Pong, and a session estimates its offset to it", async () => {
  const server = await startServer();
  try {
    const raw = await openRawClient("websocket", server.url, "raw", "pong-clock");
    const sentUs = Math.round((performance.timeOrigin + performance.now()) * 1000);
    raw.send(encodePacket({ body: { case: "ping", value: { nonce: 7, sentTimeUs: BigInt(sentUs) } } }));
    await waitFor("stamped pong", () =>
      raw.received.some((p) => p.body.case === "pong" && p.body.value.nonce === 7),
    );
    const receivedUs = Math.round((performance.timeOrigin + performance.now()) * 1000);
    const pong = raw.received.find((p) => p.body.case === "pong" && p.body.value.nonce === 7);
    assert(pong?.body.case === "pong");
    assert(pong.body.value.sentTimeUs === BigInt(sentUs), "the ping's own stamp comes back");
    const serverUs = Number(pong.body.value.serverTimeUs);
    // One host, one clock: the stamp falls within the round trip (1 ms slack for rounding).
    assert(serverUs >= sentUs - 1000 && serverUs <= receivedUs + 1000, `${sentUs} ${serverUs} ${receivedUs}`);
    raw.close();

    const session = await joinMeeting({
      serverUrl: server.url,
      username: "ann",
      meetingId: "pong-clock",
      transport: "websocket",
      reconnect: false,
    });
    try {
      await waitFor("clock offset", () => session.stats().serverClockOffsetMs !== undefined, 15_000);
      const offsetMs = session.stats().serverClockOffsetMs ?? Number.NaN;
      const rttMs = session.stats().rttMs ?? 0;
      assert(Math.abs(offsetMs) <= rttMs / 2 + 2, `offset ${offsetMs} ms, rtt ${rttMs} ms`);
    } finally {
      await session.leave();
    }
  } finally {
    await server.stop();
  }
});
