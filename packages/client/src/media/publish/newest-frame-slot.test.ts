import { assertEquals } from "../../../../../test/fixtures/assert.ts";
import { NewestFrameSlot } from "./newest-frame-slot.ts";

class FakeFrame {
  closed = false;
  constructor(readonly id: number) {}
  close(): void {
    this.closed = true;
  }
}

Deno.test("an idle encoder gets each frame at once", () => {
  const slot = new NewestFrameSlot<FakeFrame>();
  const frame = new FakeFrame(1);
  assertEquals(slot.offer(frame, 0), frame);
  assertEquals(slot.staleFrames, 0);
  assertEquals(frame.closed, false, "the caller encodes and closes it");
});

Deno.test("behind, the encoder gets only the newest frame once it drains; the stale ones are closed and counted", () => {
  const slot = new NewestFrameSlot<FakeFrame>();
  const frames = [1, 2, 3, 4].map((id) => new FakeFrame(id));
  // One frame is in the encoder's queue: nothing more goes in.
  for (const frame of frames) assertEquals(slot.offer(frame, 1), undefined);
  assertEquals(slot.drained(1), undefined, "still behind: keep waiting");
  assertEquals(slot.drained(0), frames[3], "drained: the newest goes in");
  assertEquals(
    frames.map((f) => f.closed),
    [true, true, true, false],
  );
  assertEquals(slot.staleFrames, 3);
  assertEquals(slot.drained(0), undefined, "nothing kept twice");
  assertEquals(slot.holding, false);
});

Deno.test("a frame kept when no dequeue follows (the encoder was closed) is replaced by the next, which goes in", () => {
  const slot = new NewestFrameSlot<FakeFrame>();
  const first = new FakeFrame(1);
  const second = new FakeFrame(2);
  assertEquals(slot.offer(first, 2), undefined);
  assertEquals(slot.offer(second, 0), second, "the encoder has room: the newest goes in at once");
  assertEquals(first.closed, true);
  assertEquals(slot.staleFrames, 1);
  assertEquals(slot.drained(0), undefined);
});

Deno.test("a queue allowance lets that many frames wait in the encoder; clear() closes the kept frame", () => {
  const slot = new NewestFrameSlot<FakeFrame>(2);
  const a = new FakeFrame(1);
  assertEquals(slot.offer(a, 2), a);
  const b = new FakeFrame(2);
  assertEquals(slot.offer(b, 3), undefined);
  slot.clear();
  assertEquals(b.closed, true);
  assertEquals(slot.staleFrames, 0, "closed on stop, not skipped for a newer frame");
});
