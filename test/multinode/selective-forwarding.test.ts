import { joinMeeting, type MeetingSession } from "@videocall/client";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { startNats } from "../fixtures/nats.ts";
import { metricValue, type TestServer } from "../fixtures/server.ts";
import { LayerLog, SyntheticSimulcastPublisher, TEST_LAYERS } from "../fixtures/simulcast-publisher.ts";
import { delay, waitFor } from "../fixtures/wait.ts";
import { startRelayNode } from "./relay-nodes.ts";

const VIDEO = 2;
const MEETING = "sfu-nodes";
const WINDOW_MS = 3000;

async function busBytesReceived(node: TestServer): Promise<number> {
  return metricValue(await (await fetch(`${node.url}/metrics`)).text(), "videocall_bus_received_bytes_total");
}

/** Bytes per second node B took from NATS over a window, after the interest settled. */
async function crossNodeBytesPerSecond(node: TestServer): Promise<number> {
  await delay(1500); // the new subjects, the key frames they wait for, the old ones gone
  const before = await busBytesReceived(node);
  const startMs = performance.now();
  await delay(WINDOW_MS);
  return ((await busBytesReceived(node)) - before) / ((performance.now() - startMs) / 1000);
}

/** What one layer of the synthetic camera puts on the wire per second (deltas; key frames are rare). */
const layerBytesPerSecond = (layer: number) => TEST_LAYERS[layer]!.bitrateBps / 8;

Deno.test("cross-node traffic carries only the watched tracks and layers: it grows with what is watched, not with the meeting", async () => {
  const nats = await startNats();
  const nodeA = await startRelayNode(nats.urls, "node-a");
  const nodeB = await startRelayNode(nats.urls, "node-b");
  const publishers: MeetingSession[] = [];
  const cameras: SyntheticSimulcastPublisher[] = [];
  let viewer: MeetingSession | undefined;
  let log: LayerLog | undefined;
  try {
    const publish = async (count: number) => {
      for (let i = publishers.length; i < count; i++) {
        const session = await joinMeeting({
          serverUrl: nodeA.url,
          username: `cam${i}`,
          meetingId: MEETING,
          transport: "websocket",
        });
        publishers.push(session);
        // Every layer always, whatever LayerDemand says: what reaches node B is the relay's filter alone.
        cameras.push(new SyntheticSimulcastPublisher(session, VIDEO, { honourDemand: false }));
      }
    };
    await publish(8);
    viewer = await joinMeeting({
      serverUrl: nodeB.url,
      username: "viewer",
      meetingId: MEETING,
      transport: "websocket",
    });
    const v = viewer;
    await waitFor(
      "the viewer to see 8 layered cameras",
      () =>
        [...v.participants.values()].filter((p) => p.tracks.some((t) => t.layers.length === 3)).length === 8,
      15_000,
    );
    const watch = (count: number, widthPx: number, heightPx: number) =>
      v.setSubscriptions({
        mode: "explicit",
        tracks: publishers
          .slice(0, count)
          .map((p) => ({ sessionId: p.sessionId, trackId: VIDEO, widthPx, heightPx })),
      });
    log = new LayerLog(v, publishers[0]!.sessionId, VIDEO);

    const figures: Array<{ case: string; bytesPerSecond: number }> = [];
    const measure = async (label: string) => {
      const bytesPerSecond = await crossNodeBytesPerSecond(nodeB);
      figures.push({ case: label, bytesPerSecond });
      return bytesPerSecond;
    };

    const all = await measure("meeting of 8, viewer in ALL mode (every layer crosses)");
    watch(2, 320, 180);
    const twoSmall = await measure("meeting of 8, 2 watched at 320x180");
    const fromSmall = performance.now();
    watch(4, 320, 180);
    const fourSmall = await measure("meeting of 8, 4 watched at 320x180");
    assertEquals(
      Object.keys(log.layersSince(fromSmall)),
      ["0"],
      "a small tile gets layer 0 across nodes too",
    );
    watch(2, 1280, 720);
    const twoLarge = await measure("meeting of 8, 2 watched at 1280x720");
    await waitFor("layer 2 across nodes", () => log!.frames.at(-1)?.layer === 2, 5000);

    // A larger meeting behind the same two small tiles costs node B nothing more.
    await publish(12);
    await waitFor(
      "the viewer to see 12 cameras",
      () =>
        [...v.participants.values()].filter((p) => p.tracks.some((t) => t.layers.length === 3)).length === 12,
      15_000,
    );
    watch(2, 320, 180);
    const twoSmallOf12 = await measure("meeting of 12, 2 watched at 320x180");

    console.log("cross-node bytes into node B (bytes/s):");
    for (const figure of figures) console.log(`  ${figure.case}: ${Math.round(figure.bytesPerSecond)}`);
    console.log(
      `  ratios: 2 small / ALL = ${(twoSmall / all).toFixed(3)}, 4 small / 2 small = ${(fourSmall / twoSmall).toFixed(2)}, ` +
        `2 large / 2 small = ${(twoLarge / twoSmall).toFixed(2)}, 2 small in 12 / 2 small in 8 = ${(twoSmallOf12 / twoSmall).toFixed(2)}`,
    );

    const allLayers = layerBytesPerSecond(0) + layerBytesPerSecond(1) + layerBytesPerSecond(2);
    assert(
      all > 8 * allLayers * 0.6,
      `ALL mode: every layer of every camera crosses (${Math.round(all)} B/s)`,
    );
    // Layer 0 only, of the watched cameras only (with room for key frames and control).
    assert(twoSmall < 2 * layerBytesPerSecond(0) * 1.6, `2 small tiles: ${Math.round(twoSmall)} B/s`);
    assert(twoSmall > 2 * layerBytesPerSecond(0) * 0.6, "and they do arrive");
    assert(
      fourSmall > twoSmall * 1.5 && fourSmall < twoSmall * 2.5,
      "twice the tiles, about twice the bytes",
    );
    assert(twoLarge > 2 * layerBytesPerSecond(2) * 0.6, "2 large tiles: the 720p layer crosses");
    assert(twoLarge < 2 * layerBytesPerSecond(2) * 1.4, "and only it (not layers 0 and 1 besides)");
    assert(
      twoSmallOf12 < twoSmall * 1.4 && twoSmallOf12 > twoSmall * 0.6,
      "a meeting half as large again costs the same for the same two tiles",
    );
  } finally {
    log?.stop();
    for (const camera of cameras) camera.stop();
    await viewer?.leave();
    for (const session of publishers) await session.leave();
    await nodeA.stop();
    await nodeB.stop();
    await nats.stop();
  }
});

Deno.test("LayerDemand crosses nodes: a publisher encodes only what a viewer on another node watches", async () => {
  const nats = await startNats();
  const nodeA = await startRelayNode(nats.urls, "node-a");
  const nodeB = await startRelayNode(nats.urls, "node-b");
  const alice = await joinMeeting({
    serverUrl: nodeA.url,
    username: "alice",
    meetingId: "sfu-demand",
    transport: "websocket",
  });
  const camera = new SyntheticSimulcastPublisher(alice, VIDEO);
  const bob = await joinMeeting({
    serverUrl: nodeB.url,
    username: "bob",
    meetingId: "sfu-demand",
    transport: "websocket",
  });
  const log = new LayerLog(bob, alice.sessionId, VIDEO);
  try {
    await waitFor(
      "bob to see alice's camera",
      () => bob.participants.get(alice.sessionId)?.tracks.length === 1,
      10_000,
    );
    bob.setSubscriptions({
      mode: "explicit",
      tracks: [{ sessionId: alice.sessionId, trackId: VIDEO, widthPx: 640, heightPx: 360 }],
    });
    await waitFor(
      "LayerDemand for layer 1 only, from bob on the other node",
      () => camera.demandMask === 0b010,
      10_000,
    );
    await waitFor("layer 1 at bob", () => log.frames.at(-1)?.layer === 1, 5000);
    const grewAtMs = performance.now();
    bob.setSubscriptions({
      mode: "explicit",
      tracks: [{ sessionId: alice.sessionId, trackId: VIDEO, widthPx: 1280, heightPx: 720 }],
    });
    await waitFor("layer 2 at bob across nodes", () => log.since(grewAtMs).some((f) => f.layer === 2), 5000);
    const switchMs = log.since(grewAtMs).find((f) => f.layer === 2)!.atMs - grewAtMs;
    console.log(`cross-node switch up: first 1280x720 frame ${switchMs.toFixed(0)} ms after the tile grew`);
    assert(switchMs < 2000, `the high layer arrived within 2 s across nodes (${switchMs.toFixed(0)} ms)`);
    await waitFor("LayerDemand for layer 2 only", () => camera.demandMask === 0b100, 5000);
    bob.setSubscriptions({ mode: "explicit", tracks: [] });
    await waitFor("LayerDemand 0 once nobody watches", () => camera.demandMask === 0, 5000);
  } finally {
    log.stop();
    camera.stop();
    await bob.leave();
    await alice.leave();
    await nodeA.stop();
    await nodeB.stop();
    await nats.stop();
  }
});
