import { assertEquals } from "../../../../../test/fixtures/assert.ts";
import { simulcastLayers, singleLayer } from "./simulcast-layers.ts";

Deno.test("a 720p camera publishes 320×180, 640×360 and 1280×720 at 150 k, 500 k and 1.5 Mbps", () => {
  assertEquals(simulcastLayers(1280, 720), [
    { layer: 0, widthPx: 320, heightPx: 180, bitrateBps: 150_000 },
    { layer: 1, widthPx: 640, heightPx: 360, bitrateBps: 500_000 },
    { layer: 2, widthPx: 1280, heightPx: 720, bitrateBps: 1_500_000 },
  ]);
  assertEquals(simulcastLayers(1920, 1080).at(-1), {
    layer: 2,
    widthPx: 1280,
    heightPx: 720,
    bitrateBps: 1_500_000,
  });
});

Deno.test("a smaller capture publishes only the layers it reaches, in its own aspect ratio", () => {
  assertEquals(simulcastLayers(640, 480), [
    { layer: 0, widthPx: 240, heightPx: 180, bitrateBps: 150_000 },
    { layer: 1, widthPx: 480, heightPx: 360, bitrateBps: 500_000 },
  ]);
  assertEquals(
    simulcastLayers(360, 640).map((layer) => [layer.widthPx, layer.heightPx]),
    [
      [180, 320],
      [360, 640],
    ],
  );
  assertEquals(simulcastLayers(160, 120), [{ layer: 0, widthPx: 160, heightPx: 120, bitrateBps: 150_000 }]);
  assertEquals(simulcastLayers(0, 0), []);
  assertEquals(singleLayer(641, 481, 1_000_000), [
    { layer: 0, widthPx: 641, heightPx: 481, bitrateBps: 1_000_000 },
  ]);
});
