import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { bundleWorklet, WORKLET_BUNDLE } from "../../../scripts/bundle-worklet.ts";

Deno.test("the bundled playout worklet is up to date with its sources (npm run build:worklet)", async () => {
  assertEquals(await Deno.readTextFile(WORKLET_BUNDLE), await bundleWorklet());
});
