import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { MAX_VIDEO_SIDE_PX, SetSubscriptionsSchema, SubscriptionMode } from "@videocall/protocol";
import { EVERY_LAYER, Forward, parseSetSubscriptions, SubscriptionTable } from "./subscription-table.ts";
import { trackKey } from "./track-key.ts";

const request = (
  mode: SubscriptionMode,
  tracks: { sessionId: number; trackId: number; maxLayer?: number }[] = [],
) => parseSetSubscriptions(create(SetSubscriptionsSchema, { mode, tracks }));

const admits = (table: SubscriptionTable, key: number, layer: number) =>
  table.forward(key, layer, false) !== Forward.no;

Deno.test("a new table receives everything; EXPLICIT admits exactly its tracks up to their layer", () => {
  const table = new SubscriptionTable();
  assert.equal(table.isAll, true);
  assert.equal(admits(table, trackKey(7, 2), 5), true);

  const explicit = request(SubscriptionMode.EXPLICIT, [
    { sessionId: 7, trackId: 2, maxLayer: 1 },
    { sessionId: 7, trackId: 1 },
  ]);
  assert.ok(typeof explicit !== "string" && explicit !== undefined);
  const previous = table.replace(explicit);
  assert.equal(previous, undefined, "the previous table was ALL");
  assert.equal(admits(table, trackKey(7, 2), 0), true);
  assert.equal(admits(table, trackKey(7, 2), 1), true);
  assert.equal(admits(table, trackKey(7, 2), 2), false, "above max_layer");
  assert.equal(admits(table, trackKey(7, 1), 9), true, "no max_layer: every layer");
  assert.equal(admits(table, trackKey(7, 3), 0), false, "not listed");
  assert.equal(admits(table, trackKey(8, 2), 0), false, "another publisher's track 2");
  assert.equal(table.maxLayerOf(trackKey(7, 1)), EVERY_LAYER);
  assert.equal(table.maxLayerOf(trackKey(7, 3)), -1);
  assert.deepEqual([...table.explicitTracks].sort(), [trackKey(7, 1), trackKey(7, 2)].sort());

  assert.equal(table.replace(request(SubscriptionMode.ALL) as undefined), explicit);
  assert.equal(admits(table, trackKey(9, 9), 3), true, "ALL again");
});

Deno.test("SetSubscriptions is checked like every client input", () => {
  const problems: Array<[ReturnType<typeof request>, RegExp]> = [
    [request(SubscriptionMode.ALL, [{ sessionId: 1, trackId: 1 }]), /ALL mode lists tracks/],
    [request(4 as SubscriptionMode), /unknown subscription mode 4/],
    [
      request(
        SubscriptionMode.EXPLICIT,
        Array.from({ length: 257 }, (_, i) => ({ sessionId: 1, trackId: i + 1 })),
      ),
      /at most 256/,
    ],
    [request(SubscriptionMode.EXPLICIT, [{ sessionId: 0, trackId: 1 }]), /session 0/],
    [request(SubscriptionMode.EXPLICIT, [{ sessionId: 1, trackId: 0 }]), /out of range/],
    [request(SubscriptionMode.EXPLICIT, [{ sessionId: 1, trackId: 65536 }]), /out of range/],
    [
      request(SubscriptionMode.EXPLICIT, [
        { sessionId: 1, trackId: 1 },
        { sessionId: 1, trackId: 1, maxLayer: 0 },
      ]),
      /listed twice/,
    ],
  ];
  for (const [result, pattern] of problems) {
    assert.equal(typeof result, "string");
    assert.match(result as string, pattern);
  }
  const full = request(
    SubscriptionMode.EXPLICIT,
    Array.from({ length: 256 }, (_, i) => ({ sessionId: 0xffffffff, trackId: i + 1 })),
  );
  assert.ok(full instanceof Map && full.size === 256, "256 tracks and the largest session id pass");
  assert.equal(request(SubscriptionMode.EXPLICIT) instanceof Map, true, "an empty EXPLICIT list: nothing");
});

Deno.test("a simulcast track forwards exactly one layer and switches only at a key frame of the target", () => {
  const table = new SubscriptionTable();
  const key = trackKey(7, 2);
  assert.equal(table.setTarget(key, 1, 0), true, "a new track awaits its first key frame");
  assert.equal(table.forward(key, 1, false), Forward.no, "no delta before the first key frame");
  assert.equal(table.forward(key, 0, true), Forward.no, "another layer's key frame does not start it");
  assert.equal(table.forward(key, 1, true), Forward.switched);
  assert.equal(table.forward(key, 1, false), Forward.yes);
  assert.equal(table.forward(key, 2, true), Forward.no, "one layer only");
  assert.equal(table.currentLayerOf(key), 1);

  assert.equal(table.setTarget(key, 2, 10), true, "a switch up is pending");
  assert.equal(table.layerForwarding(key)?.layersMask, 0b110, "current and target are both wanted");
  assert.equal(table.forward(key, 1, false), Forward.yes, "the current layer keeps flowing meanwhile");
  assert.equal(table.forward(key, 2, false), Forward.no, "the target's deltas wait");
  assert.equal(table.forward(key, 2, true), Forward.switched);
  assert.equal(table.forward(key, 1, false), Forward.no, "the old layer stops at once");
  assert.equal(table.layerForwarding(key)?.layersMask, 0b100);

  assert.equal(table.setTarget(key, 0, 20), true);
  assert.equal(table.setTarget(key, 2, 30), false, "back to the current layer: nothing to wait for");
  assert.equal(table.forward(key, 0, true), Forward.no);
  table.dropLayers(key);
  assert.equal(table.currentLayerOf(key), undefined);
  assert.equal(table.forward(key, 0, false), Forward.yes, "ALL mode, not simulcast any more: every layer");
});

Deno.test("tile sizes are clamped, pins kept", () => {
  const parsed = parseSetSubscriptions(
    create(SetSubscriptionsSchema, {
      mode: SubscriptionMode.EXPLICIT,
      tracks: [{ sessionId: 1, trackId: 2, widthPx: 0xffffffff, heightPx: 360, pinned: true }],
    }),
  );
  assert.ok(parsed instanceof Map);
  assert.deepEqual(parsed.get(trackKey(1, 2)), {
    maxLayer: EVERY_LAYER,
    widthPx: MAX_VIDEO_SIDE_PX,
    heightPx: 360,
    pinned: true,
  });
});
