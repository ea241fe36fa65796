import { joinMeeting, type MeetingSession } from "@videocall/client";
import { encodePacket } from "@videocall/protocol";
import { ImpairmentProxy } from "../../tools/impairment-proxy/impairment-proxy.ts";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { openRawClient } from "../fixtures/raw-client.ts";
import { metricValue, startServer, type TestServer } from "../fixtures/server.ts";
import { LayerLog, SyntheticSimulcastPublisher, TEST_LAYERS } from "../fixtures/simulcast-publisher.ts";
import { delay, waitFor } from "../fixtures/wait.ts";

const VIDEO = 2;

function join(
  server: { url: string },
  username: string,
  meetingId: string,
  transport: "websocket" | "webtransport" = "websocket",
): Promise<MeetingSession> {
  return joinMeeting({ serverUrl: server.url, username, meetingId, transport });
}

/** Shows alice's camera in a tile of this size on bob's screen. */
function showTile(bob: MeetingSession, alice: MeetingSession, widthPx: number, heightPx: number): void {
  bob.setSubscriptions({
    mode: "explicit",
    tracks: [{ sessionId: alice.sessionId, trackId: VIDEO, widthPx, heightPx }],
  });
}

async function withMeeting(
  meetingId: string,
  transport: "websocket" | "webtransport",
  run: (m: {
    server: TestServer;
    alice: MeetingSession;
    bob: MeetingSession;
    camera: SyntheticSimulcastPublisher;
    log: LayerLog;
  }) => Promise<void>,
): Promise<void> {
  const server = await startServer();
  const alice = await join(server, "alice", meetingId, transport);
  const camera = new SyntheticSimulcastPublisher(alice, VIDEO);
  const bob = await join(server, "bob", meetingId, transport);
  await waitFor("bob to see alice's layered camera", () =>
    [...bob.participants.values()].some((p) => p.tracks.some((t) => t.layers.length === 3)),
  );
  const log = new LayerLog(bob, alice.sessionId, VIDEO);
  try {
    await run({ server, alice, bob, camera, log });
  } finally {
    log.stop();
    camera.stop();
    await bob.leave();
    await alice.leave();
    await server.stop();
  }
}

Deno.test("a small tile gets the low layer only; when the tile grows the high layer arrives within 2 s, with no gap; LayerDemand follows", async () => {
  await withMeeting("sfu-tiles", "websocket", async ({ server, alice, bob, camera, log }) => {
    // ALL mode (no SetSubscriptions yet): one layer, the highest the estimate carries.
    await waitFor("video in ALL mode", () => log.frames.length >= 20, 10_000);
    const allStart = log.frames[0]!.atMs;
    assertEquals(Object.keys(log.layersSince(allStart)), ["2"], "ALL mode: exactly one layer, the highest");
    assert(log.frames[0]!.keyframe, "the first frame is a key frame");

    showTile(bob, alice, 320, 180);
    await waitFor("layer 0 to arrive for the small tile", () => log.frames.at(-1)?.layer === 0, 5000);
    const smallFrom = performance.now();
    await waitFor("LayerDemand: only layer 0 is watched", () => camera.demandMask === 0b001, 5000);
    await delay(1500);
    assertEquals(log.layersSince(smallFrom)[0]! > 20, true, "layer 0 flows");
    assertEquals(Object.keys(log.layersSince(smallFrom)), ["0"], "a 320x180 tile receives layer 0 only");
    const switchDown = log.frames.find((f) => f.layer === 0)!;
    assert(switchDown.keyframe, "the switch down happened at a key frame of layer 0");
    assertEquals(camera.framesSent[2]! > 0, true);
    const layer2Before = camera.framesSent[2]!;
    await delay(300);
    assertEquals(camera.framesSent[2], layer2Before, "the publisher stopped encoding the unwatched layer");

    const grewAtMs = performance.now();
    showTile(bob, alice, 1280, 720);
    await waitFor(
      "layer 2 to arrive for the large tile",
      () => log.since(grewAtMs).some((f) => f.layer === 2),
      5000,
    );
    const firstHigh = log.since(grewAtMs).find((f) => f.layer === 2)!;
    const switchMs = firstHigh.atMs - grewAtMs;
    console.log(`switch up: first 1280x720 frame ${switchMs.toFixed(0)} ms after the tile grew`);
    assert(firstHigh.keyframe, "the switch up happened at a key frame of layer 2");
    assert(
      switchMs < 2000,
      `the high layer arrived ${switchMs.toFixed(0)} ms after the tile grew (goal < 2 s)`,
    );
    assert(log.largestGapMs(grewAtMs, firstHigh.atMs) < 500, "layer 0 kept flowing until the switch: no gap");
    await waitFor("LayerDemand: only layer 2 is watched", () => camera.demandMask === 0b100, 5000);
    const bigFrom = performance.now();
    await delay(1000);
    assertEquals(Object.keys(log.layersSince(bigFrom)), ["2"], "after the switch: layer 2 only");

    showTile(bob, alice, 640, 360);
    await waitFor("layer 1 for a 640x360 tile", () => log.frames.at(-1)?.layer === 1, 5000);
    bob.setSubscriptions({ mode: "explicit", tracks: [] });
    await waitFor("LayerDemand 0: nobody watches the track", () => camera.demandMask === 0, 5000);
    const metrics = await server.metrics();
    assert(metricValue(metrics, "videocall_layer_switches_total") >= 4, "start, down, up, down: counted");
    assert(metricValue(metrics, "videocall_layer_demands_sent_total") >= 4);
  });
});

Deno.test("max_layer caps the choice whatever the tile", async () => {
  await withMeeting("sfu-max-layer", "websocket", async ({ alice, bob, log }) => {
    bob.setSubscriptions({
      mode: "explicit",
      tracks: [{ sessionId: alice.sessionId, trackId: VIDEO, widthPx: 1920, heightPx: 1080, maxLayer: 1 }],
    });
    await waitFor("layer 1", () => log.frames.at(-1)?.layer === 1, 5000);
    const from = performance.now();
    await delay(1000);
    assertEquals(Object.keys(log.layersSince(from)), ["1"]);
  });
});

Deno.test("over WebTransport too, a small tile gets layer 0 and a grown one layer 2 within 2 s", async () => {
  await withMeeting("sfu-webtransport", "webtransport", async ({ alice, bob, log }) => {
    assertEquals(bob.stats().transport, "webtransport");
    showTile(bob, alice, 320, 180);
    await waitFor("layer 0", () => log.frames.at(-1)?.layer === 0, 10_000);
    const smallFrom = performance.now();
    await delay(1000);
    assertEquals(Object.keys(log.layersSince(smallFrom)), ["0"]);
    const grewAtMs = performance.now();
    showTile(bob, alice, 1280, 720);
    await waitFor("layer 2", () => log.since(grewAtMs).some((f) => f.layer === 2), 5000);
    const switchMs = log.since(grewAtMs).find((f) => f.layer === 2)!.atMs - grewAtMs;
    console.log(`webtransport switch up: ${switchMs.toFixed(0)} ms`);
    assert(switchMs < 2000, `the high layer arrived ${switchMs.toFixed(0)} ms after the tile grew`);
    assert(log.largestGapMs(grewAtMs, grewAtMs + switchMs) < 500, "no gap while switching");
  });
});

Deno.test("a subscriber capped to 300 kbps switches down instead of freezing", async () => {
  const server = await startServer();
  // Bob's downlink only: a 300 kbit/s bottleneck whose full queue holds the relay's writes back.
  const proxy = new ImpairmentProxy({
    tcpTarget: { hostname: "127.0.0.1", port: server.port },
    profile: { down: { rateBitsPerSecond: 300_000 } },
  });
  const alice = await join(server, "alice", "sfu-capped");
  const camera = new SyntheticSimulcastPublisher(alice, VIDEO);
  const bob = await join({ url: proxy.tcpUrl }, "bob", "sfu-capped");
  const log = new LayerLog(bob, alice.sessionId, VIDEO);
  try {
    showTile(bob, alice, 1280, 720);
    await waitFor(
      "the high layer first (the estimate starts optimistic)",
      () => log.frames.some((f) => f.layer === 2),
      10_000,
    );
    await waitFor(
      "a switch down to layer 0 on the 300 kbps link",
      () => log.frames.some((f) => f.layer === 0 && f.keyframe),
      45_000,
    );
    const downAtMs = log.frames.find((f) => f.layer === 0)!.atMs;
    console.log(
      `capped: switched down ${((downAtMs - log.frames[0]!.atMs) / 1000).toFixed(1)} s after the first frame`,
    );
    // Let the backlog of high-layer frames drain, then judge a 3 s window.
    await waitFor("only layer 0 arriving", () => log.frames.slice(-10).every((f) => f.layer === 0), 45_000);
    const from = performance.now();
    await delay(3000);
    const window = log.layersSince(from);
    console.log(
      `capped: frames in 3 s by layer ${JSON.stringify(window)}; ${proxy.counters().down.bytesDelivered} bytes down`,
    );
    assertEquals(Object.keys(window), ["0"], "the capped subscriber stays on the layer its link carries");
    assert((window[0] ?? 0) >= 45, `video keeps flowing (${window[0]} frames in 3 s, not frozen)`);
    assert(log.largestGapMs(from, performance.now()) < 1000, "no freeze");
    const debug = JSON.stringify(await (await fetch(`${server.url}/api/debug/rooms`)).json());
    const estimateBps = Number(debug.match(/"displayName":"bob".*?"bandwidthEstimateBps":(\d+)/)?.[1]);
    console.log(`capped: the relay's estimate of bob's link ${estimateBps} bps`);
    assert(estimateBps < 300_000, `the estimate is below the 300 kbps cap (${estimateBps})`);
  } finally {
    log.stop();
    camera.stop();
    await bob.leave();
    await alice.leave();
    proxy.close();
    await server.stop();
  }
});

Deno.test("hostile layers are refused: more than 4, out of order, absurd sizes, on audio", async () => {
  const server = await startServer();
  try {
    const cases = [
      Array.from({ length: 5 }, (_, layer) => ({ layer, widthPx: 320, heightPx: 180, bitrateBps: 1000 })),
      [{ layer: 1, widthPx: 320, heightPx: 180, bitrateBps: 1000 }],
      [{ layer: 0, widthPx: 4_000_000_000, heightPx: 180, bitrateBps: 1000 }],
      [{ layer: 0, widthPx: 320, heightPx: 180, bitrateBps: 4_000_000_000 }],
    ];
    for (const [index, layers] of cases.entries()) {
      const client = await openRawClient("websocket", server.url, `hostile${index}`, "sfu-hostile");
      await waitFor("the welcome", () => client.received.some((p) => p.body.case === "welcome"));
      client.send(
        encodePacket({
          body: { case: "trackState", value: { tracks: [{ trackId: 2, kind: 2, codec: 2, layers }] } },
        }),
      );
      const { code } = await client.closed;
      assertEquals(code, 1007, `case ${index} is refused as invalid`);
    }
    const audio = await openRawClient("websocket", server.url, "hostileaudio", "sfu-hostile");
    await waitFor("the welcome", () => audio.received.some((p) => p.body.case === "welcome"));
    audio.send(
      encodePacket({
        body: {
          case: "trackState",
          value: { tracks: [{ trackId: 1, kind: 1, codec: 1, layers: [TEST_LAYERS[0]!] }] },
        },
      }),
    );
    assertEquals((await audio.closed).code, 1007, "layers on an audio track");

    // Absurd tile sizes are clamped, not fatal: the subscriber simply gets the highest layer.
    const alice = await join(server, "alice", "sfu-hostile");
    const camera = new SyntheticSimulcastPublisher(alice, VIDEO);
    const bob = await join(server, "bob", "sfu-hostile");
    const log = new LayerLog(bob, alice.sessionId, VIDEO);
    await waitFor(
      "bob to see alice's track",
      () => bob.participants.get(alice.sessionId)?.tracks.length === 1,
    );
    showTile(bob, alice, 0xffffffff, 0xffffffff);
    await waitFor("layer 2 for an enormous tile", () => log.frames.at(-1)?.layer === 2, 5000);
    assert(!bob.isClosed, "still connected");
    log.stop();
    camera.stop();
    await bob.leave();
    await alice.leave();
  } finally {
    await server.stop();
  }
});
