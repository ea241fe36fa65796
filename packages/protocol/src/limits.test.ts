import assert from "node:assert/strict";
import { MAX_VIDEO_LAYERS, trackStateProblem } from "./limits.ts";

const layer = (index: number, widthPx = 320 << index, heightPx = 180 << index, bitrateBps = 150_000) => ({
  layer: index,
  widthPx,
  heightPx,
  bitrateBps,
});

Deno.test("simulcast layers in a TrackState are checked: count, order, bounds, kind", () => {
  assert.equal(
    trackStateProblem([{ trackId: 2, kind: 2, layers: [layer(0), layer(1), layer(2)] }]),
    undefined,
  );
  assert.equal(trackStateProblem([{ trackId: 2, kind: 3, layers: [layer(0)] }]), undefined, "screen");
  assert.equal(trackStateProblem([{ trackId: 1, kind: 1, layers: [] }]), undefined, "no layers");
  const five = Array.from({ length: MAX_VIDEO_LAYERS + 1 }, (_, i) => layer(i, 320, 180));
  assert.match(
    trackStateProblem([{ trackId: 2, kind: 2, layers: five }]) ?? "",
    /5 layers; at most 4 are allowed/,
  );
  assert.match(
    trackStateProblem([{ trackId: 2, kind: 2, layers: [layer(1)] }]) ?? "",
    /layer 1 at position 0/,
  );
  assert.match(
    trackStateProblem([{ trackId: 2, kind: 2, layers: [layer(0, 100_000, 180)] }]) ?? "",
    /out of bounds/,
  );
  assert.match(
    trackStateProblem([{ trackId: 2, kind: 2, layers: [layer(0, 320, 180, 4_000_000_000)] }]) ?? "",
    /out of bounds/,
  );
  assert.match(trackStateProblem([{ trackId: 1, kind: 1, layers: [layer(0)] }]) ?? "", /not video/);
});
