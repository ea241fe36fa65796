import { assertEquals } from "../../../../../test/fixtures/assert.ts";
import { FramesInEncoder } from "./frames-in-encoder.ts";

const MS = 1000;

Deno.test("frames in the encoder count from encode() to their output, whatever encodeQueueSize says", () => {
  const frames = new FramesInEncoder();
  frames.add(1, 100 * MS);
  frames.add(2, 133 * MS);
  assertEquals(frames.count(140 * MS), 2);
  assertEquals(frames.take(1), 100 * MS);
  assertEquals(frames.count(150 * MS), 1);
  assertEquals(frames.take(2), 133 * MS);
  assertEquals(frames.count(160 * MS), 0);
});

Deno.test("an output settles the frames before it that the encoder dropped without output", () => {
  const frames = new FramesInEncoder();
  frames.add(1, 100 * MS);
  frames.add(2, 133 * MS);
  frames.add(3, 166 * MS);
  assertEquals(frames.take(2), 133 * MS);
  assertEquals(frames.count(170 * MS), 1);
  assertEquals(frames.take(3), 166 * MS);
  assertEquals(frames.take(3), undefined);
});

Deno.test("a frame that never comes out stops counting after the timeout", () => {
  const frames = new FramesInEncoder(1000);
  frames.add(1, 100 * MS);
  frames.add(2, 900 * MS);
  assertEquals(frames.count(1099 * MS), 2);
  assertEquals(frames.count(1100 * MS), 1);
  assertEquals(frames.count(1900 * MS), 0);
});
