import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { bundleSFrameTransform, SFRAME_TRANSFORM_BUNDLE } from "../../scripts/bundle-worklet.ts";

Deno.test("the bundled SFrame transform is up to date (npm run build:worklet)", async () => {
  assertEquals(await Deno.readTextFile(SFRAME_TRANSFORM_BUNDLE), await bundleSFrameTransform());
});
