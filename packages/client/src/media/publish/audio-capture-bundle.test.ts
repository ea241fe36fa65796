import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { bundleCaptureWorklet, CAPTURE_WORKLET_BUNDLE } from "../../../scripts/bundle-worklet.ts";

Deno.test("the bundled capture worklet is up to date with its sources (npm run build:worklet)", async () => {
  assertEquals(await Deno.readTextFile(CAPTURE_WORKLET_BUNDLE), await bundleCaptureWorklet());
});
