import assert from "node:assert/strict";
import { chooseLayers, type LayerWish, layerForTile } from "./layer-selection.ts";

/** The publisher's three layers (as SIMULCAST publishes them): 320x180, 640x360, 1280x720. */
const LAYERS = [
  { widthPx: 320, heightPx: 180, bitrateBps: 150_000 },
  { widthPx: 640, heightPx: 360, bitrateBps: 500_000 },
  { widthPx: 1280, heightPx: 720, bitrateBps: 1_500_000 },
];
const wish = (tileWidthPx: number, tileHeightPx: number, maxLayer = 99): LayerWish => ({
  layers: LAYERS,
  maxLayer,
  tileWidthPx,
  tileHeightPx,
});

Deno.test("the tile picks the highest layer that does not exceed it, never above max_layer", () => {
  assert.equal(layerForTile(wish(160, 90)), 0, "smaller than every layer: the lowest");
  assert.equal(layerForTile(wish(320, 180)), 0);
  assert.equal(layerForTile(wish(639, 400)), 0, "one pixel too narrow for layer 1");
  assert.equal(layerForTile(wish(640, 360)), 1);
  assert.equal(layerForTile(wish(1920, 1080)), 2);
  assert.equal(layerForTile(wish(0, 0)), 2, "no size said: the highest");
  assert.equal(layerForTile(wish(0, 360)), 1, "an unsaid side does not limit");
  assert.equal(layerForTile(wish(1920, 1080, 1)), 1, "max_layer caps");
  assert.equal(layerForTile(wish(1920, 1080, 0)), 0);
});

Deno.test("the bandwidth estimate lowers layers, shares a tight budget, and always allows layer 0", () => {
  const out: number[] = [];
  chooseLayers([wish(0, 0)], 10_000_000, out);
  assert.deepEqual(out, [2]);
  chooseLayers([wish(0, 0)], 1_000_000, out);
  assert.deepEqual(out, [1], "1.5 Mbps does not fit 1 Mbps; 500 kbps does");
  chooseLayers([wish(0, 0)], 300_000, out);
  assert.deepEqual(out, [0], "a 300 kbps subscriber gets the 150 kbps layer");
  chooseLayers([wish(0, 0), wish(0, 0)], 50_000, out);
  assert.deepEqual(out, [0, 0], "layer 0 even when it does not fit: blurry, never frozen");
  chooseLayers([wish(0, 0), wish(0, 0)], 1_200_000, out);
  assert.deepEqual(out, [1, 1], "shared: both at 500 kbps rather than one high and one low");
  chooseLayers([wish(320, 180), wish(0, 0)], 2_000_000, out);
  assert.deepEqual(out, [0, 2], "what a small tile does not use goes to the large one");
  chooseLayers([], 1_000_000, out);
  assert.deepEqual(out, []);
});
