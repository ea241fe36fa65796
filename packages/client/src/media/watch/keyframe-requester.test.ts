import { assertEquals } from "../../../../../test/fixtures/assert.ts";
import { KeyframeRequester } from "./keyframe-requester.ts";

Deno.test("key frame requests are sent at most once per interval", () => {
  let nowMs = 0;
  let sent = 0;
  const requester = new KeyframeRequester(() => sent++, { minIntervalMs: 500, now: () => nowMs });
  assertEquals(requester.request(), true);
  nowMs = 100;
  assertEquals(requester.request(), false);
  nowMs = 499;
  assertEquals(requester.request(), false);
  nowMs = 500;
  assertEquals(requester.request(), true);
  assertEquals(sent, 2);
});
