import { MediaKind } from "@videocall/protocol";
import { assert, assertEquals } from "../../../../test/fixtures/assert.ts";
import { QueuedBytesBudget } from "../limits/queued-bytes-budget.ts";
import { type DropReason, SubscriberQueue, type SubscriberQueueLimits } from "./subscriber-queue.ts";

/** A sink whose buffer the test fills and empties, like a socket on a congested link. */
class ControlledSink {
  sent: string[] = [];
  bufferedBytes = 0;
  send(packet: Uint8Array): void {
    this.sent.push(new TextDecoder().decode(packet));
  }
}

function setup(
  overrides: Partial<SubscriberQueueLimits> = {},
  node = new QueuedBytesBudget(Number.POSITIVE_INFINITY),
) {
  const limits: SubscriberQueueLimits = {
    sinkHighWaterBytes: 100,
    videoSinkHighWaterBytes: 100,
    maxQueuedVideo: 2,
    maxQueuedAudio: 2,
    maxQueuedControl: 3,
    maxQueuedBytes: 1_000_000,
    ...overrides,
  };
  const sink = new ControlledSink();
  const dropped: Array<[DropReason, number]> = [];
  const keyframesNeeded: Array<[number, number]> = [];
  let overflowed = false;
  const queue = new SubscriberQueue(
    sink,
    {
      onKeyframeNeeded: (from, track) => keyframesNeeded.push([from, track]),
      onDropped: (reason, kind) => dropped.push([reason, kind]),
      onOverflow: () => {
        overflowed = true;
      },
      onSent: () => {},
      onSendFailed: () => {},
    },
    limits,
    node,
  );
  const push = (label: string, kind: number, keyframe = false, fromSessionId = 7, trackId = 2) =>
    queue.push(new TextEncoder().encode(label), { kind, keyframe, fromSessionId, trackId });
  return { sink, queue, dropped, keyframesNeeded, push, overflowed: () => overflowed };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

Deno.test("an idle sink gets packets at once, in order", () => {
  const { sink, push, queue } = setup();
  push("a1", MediaKind.AUDIO);
  push("v1", MediaKind.VIDEO, true);
  push("c1", 0);
  assertEquals(sink.sent, ["a1", "v1", "c1"]);
  assertEquals(queue.queuedPackets, 0);
  queue.close();
});

Deno.test("a congested sink drains control first, then audio, then video", async () => {
  const { sink, push, queue } = setup();
  sink.bufferedBytes = 1000;
  push("v1", MediaKind.VIDEO, true);
  push("a1", MediaKind.AUDIO);
  push("c1", 0);
  push("v2", MediaKind.VIDEO);
  push("a2", MediaKind.AUDIO);
  await tick();
  assertEquals(sink.sent, [], "nothing is written while the sink is above its high-water mark");
  sink.bufferedBytes = 0;
  await tick();
  assertEquals(sink.sent, ["c1", "a1", "a2", "v1", "v2"]);
  queue.close();
});

Deno.test("video stops filling the sink first: audio passes queued video and never waits behind more than the video mark", async () => {
  const { sink, push, queue, dropped } = setup({ videoSinkHighWaterBytes: 50, maxQueuedVideo: 60 });
  sink.bufferedBytes = 60; // between the video mark (50) and the sink's (100)
  push("v1", MediaKind.VIDEO, true);
  push("v2", MediaKind.VIDEO);
  push("a1", MediaKind.AUDIO);
  push("c1", 0);
  push("a2", MediaKind.AUDIO);
  assertEquals(sink.sent, ["a1", "c1", "a2"], "audio and control go at once; video waits");
  await tick();
  assertEquals(sink.sent, ["a1", "c1", "a2"], "the drain keeps video out while the sink is over its mark");
  sink.bufferedBytes = 120; // congested for everyone: audio queues too
  push("a3", MediaKind.AUDIO);
  push("v3", MediaKind.VIDEO);
  sink.bufferedBytes = 60;
  await tick();
  assertEquals(sink.sent, ["a1", "c1", "a2", "a3"], "queued audio drains before video");
  sink.bufferedBytes = 0;
  await tick();
  assertEquals(sink.sent, ["a1", "c1", "a2", "a3", "v1", "v2", "v3"]);
  assertEquals(dropped, []);
  assertEquals(queue.queuedPackets, 0);
  assert(!queue.hasTimer, "an empty queue keeps no timer");
  queue.close();
});

Deno.test("a full video queue drops until the next key frame and asks the publisher for one", async () => {
  const { sink, push, queue, dropped, keyframesNeeded } = setup();
  sink.bufferedBytes = 1000;
  push("k1", MediaKind.VIDEO, true);
  push("d2", MediaKind.VIDEO);
  push("d3", MediaKind.VIDEO); // queue full: dropped
  assertEquals(dropped, [["queue_full", MediaKind.VIDEO]]);
  assertEquals(keyframesNeeded, [[7, 2]]);
  sink.bufferedBytes = 0;
  await tick();
  push("d4", MediaKind.VIDEO); // would not decode without d3: dropped
  push("d4-other-track", MediaKind.VIDEO, false, 7, 3); // another track is unaffected
  push("k5", MediaKind.VIDEO, true);
  push("d6", MediaKind.VIDEO);
  assertEquals(sink.sent, ["k1", "d2", "d4-other-track", "k5", "d6"]);
  assertEquals(dropped[1], ["awaiting_keyframe", MediaKind.VIDEO]);
  queue.close();
});

Deno.test("a full audio queue drops its oldest frame; control overflow disconnects", async () => {
  const { sink, push, queue, dropped, overflowed } = setup();
  sink.bufferedBytes = 1000;
  push("a1", MediaKind.AUDIO);
  push("a2", MediaKind.AUDIO);
  push("a3", MediaKind.AUDIO);
  assertEquals(dropped, [["queue_full", MediaKind.AUDIO]]);
  for (let i = 0; i < 3; i++) push(`c${i}`, 0);
  assert(!overflowed());
  push("c3", 0);
  assert(overflowed(), "a subscriber that cannot take control messages is given up");
  sink.bufferedBytes = 0;
  await tick();
  assertEquals(sink.sent, ["c0", "c1", "c2", "a2", "a3"]);
  queue.close();
});

Deno.test("close stops draining and forgets queued packets", async () => {
  const { sink, push, queue } = setup();
  sink.bufferedBytes = 1000;
  push("v1", MediaKind.VIDEO, true);
  queue.close();
  sink.bufferedBytes = 0;
  await tick();
  push("v2", MediaKind.VIDEO, true);
  assertEquals(sink.sent, []);
});

Deno.test("video over the queue's byte limit drops until the next key frame; audio still queues", async () => {
  // Labels are the payload: "k1-xxxx" is 7 bytes. The limit holds two of them.
  const { sink, push, queue, dropped, keyframesNeeded } = setup({ maxQueuedVideo: 100, maxQueuedBytes: 14 });
  sink.bufferedBytes = 1000;
  push("k1-xxxx", MediaKind.VIDEO, true);
  push("d2-xxxx", MediaKind.VIDEO);
  assertEquals(queue.queuedBytes, 14);
  push("d3-xxxx", MediaKind.VIDEO); // 21 bytes would be over: dropped
  assertEquals(dropped, [["subscriber_queued_bytes", MediaKind.VIDEO]]);
  assertEquals(keyframesNeeded, [[7, 2]]);
  push("a1-xxxx", MediaKind.AUDIO); // audio is measured without the video ahead of it
  assertEquals(queue.queuedBytes, 21);
  sink.bufferedBytes = 0;
  await tick();
  assertEquals(queue.queuedBytes, 0);
  push("d4-xxxx", MediaKind.VIDEO); // awaits the key frame
  push("k5-xxxx", MediaKind.VIDEO, true);
  assertEquals(sink.sent, ["a1-xxxx", "k1-xxxx", "d2-xxxx", "k5-xxxx"]);
  queue.close();
});

Deno.test("audio over the byte limit drops its oldest frames to make room", async () => {
  const { sink, push, queue, dropped } = setup({ maxQueuedAudio: 100, maxQueuedBytes: 10 });
  sink.bufferedBytes = 1000;
  push("a1-xx", MediaKind.AUDIO);
  push("a2-xx", MediaKind.AUDIO);
  push("a3-xx", MediaKind.AUDIO); // 15 bytes: a1 goes
  assertEquals(dropped, [["subscriber_queued_bytes", MediaKind.AUDIO]]);
  sink.bufferedBytes = 0;
  await tick();
  assertEquals(sink.sent, ["a2-xx", "a3-xx"]);
  queue.close();
});

Deno.test("while the node's queues are over its byte limit, every queue drops new video; close gives the bytes back", () => {
  const node = new QueuedBytesBudget(10);
  const first = setup({ maxQueuedVideo: 100 }, node);
  const second = setup({ maxQueuedVideo: 100 }, node);
  first.sink.bufferedBytes = second.sink.bufferedBytes = 1000;
  first.push("k1-xxxx", MediaKind.VIDEO, true);
  assertEquals(node.queuedBytes, 7);
  second.push("k1-yyyy", MediaKind.VIDEO, true); // 14 > 10 for the node
  assertEquals(second.dropped, [["node_queued_bytes", MediaKind.VIDEO]]);
  second.push("a1-yyyy", MediaKind.AUDIO); // audio is not refused for the node's video
  assertEquals(node.queuedBytes, 14);
  first.queue.close();
  second.queue.close();
  assertEquals(node.queuedBytes, 0);
});

Deno.test("past the node's reserve, only queues over their fair share are refused: readers that stall cannot cost one that keeps up its frames", () => {
  const node = new QueuedBytesBudget(100); // 75 usable by any queue, fair share 100 / 3 queues
  const stalled1 = setup({ maxQueuedVideo: 100 }, node);
  const stalled2 = setup({ maxQueuedVideo: 100 }, node);
  const reader = setup({ maxQueuedVideo: 100 }, node);
  assertEquals(node.queues, 3);
  stalled1.sink.bufferedBytes = stalled2.sink.bufferedBytes = reader.sink.bufferedBytes = 1000;
  const frame = (n: number) => `k${n}-xxxxxxx`; // 10 bytes
  for (let i = 0; i < 4; i++) stalled1.push(frame(i), MediaKind.VIDEO, true);
  for (let i = 0; i < 3; i++) stalled2.push(frame(i), MediaKind.VIDEO, true);
  assertEquals(node.queuedBytes, 70);
  stalled2.push(frame(3), MediaKind.VIDEO, true); // 80 > 75, and 40 > 33 of its own: refused
  assertEquals(stalled2.dropped, [["node_queued_bytes", MediaKind.VIDEO]]);
  for (let i = 0; i < 3; i++) reader.push(frame(i), MediaKind.VIDEO, true); // up to 30 of its own: the reserve is its
  assertEquals(reader.dropped, []);
  assertEquals(node.queuedBytes, 100);
  reader.push(frame(3), MediaKind.VIDEO, true); // the whole limit holds for everyone
  assertEquals(reader.dropped, [["node_queued_bytes", MediaKind.VIDEO]]);
  for (const queue of [stalled1, stalled2, reader]) queue.queue.close();
  stalled1.queue.close(); // a second close changes nothing
  assertEquals(node.queuedBytes, 0);
  assertEquals(node.queues, 0);
});
