import { forEachPacketInBatch } from "@videocall/protocol";
import { assertEquals } from "../../../../test/fixtures/assert.ts";
import { HOLD_WHILE_WRITING_MAX_BYTES } from "../relay/client-connection.ts";
import { TurnBatcher } from "./turn-batcher.ts";

function recordingTarget() {
  const batches: number[][] = [];
  const failures: unknown[] = [];
  return {
    batches,
    failures,
    throwNext: false,
    /** What the socket is still writing: above 0, small batches wait. */
    writingBytes: 0,
    sendBatch(bytes: Uint8Array) {
      if (this.throwNext) throw new Error("socket broke");
      const packets: number[] = [];
      // Copy out now: the batcher reuses its buffer.
      const problem = forEachPacketInBatch(bytes, 1 << 20, (p) => packets.push(p[0] as number));
      if (problem) throw new Error(`bad batch: ${problem.kind}`);
      batches.push(packets);
    },
    onBatchFailed(error: unknown) {
      failures.push(error);
    },
  };
}

const packet = (id: number) => Uint8Array.of(id, 0xaa, 0xbb);
const nextTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("what each socket gets within a turn goes out as one batch per socket, after the turn, in order", async () => {
  const batcher = new TurnBatcher();
  const a = recordingTarget();
  const b = recordingTarget();
  const batchA = batcher.open(a);
  const batchB = batcher.open(b);
  batchA.add(packet(1));
  batchB.add(packet(2));
  batchA.add(packet(3));
  assertEquals(a.batches, [], "nothing is sent within the turn");
  assertEquals(batchA.pendingBytes, 6, "counted as buffered meanwhile");
  await Promise.resolve();
  assertEquals(a.batches, [[1, 3]]);
  assertEquals(b.batches, [[2]]);
  assertEquals(batchA.pendingBytes, 0);
  batchA.add(packet(4));
  await nextTurn();
  assertEquals(a.batches, [[1, 3], [4]], "the next turn is the next batch");
});

Deno.test("a flush sends what is pending at once (a Goodbye before the close); close drops the rest", async () => {
  const batcher = new TurnBatcher();
  const target = recordingTarget();
  const batch = batcher.open(target);
  batch.add(packet(7));
  batch.flush();
  assertEquals(target.batches, [[7]]);
  batch.add(packet(8));
  batch.close();
  batch.add(packet(9));
  await nextTurn();
  assertEquals(target.batches, [[7]], "nothing after the close");
});

Deno.test("a socket whose send throws is reported once and stops; the others still get theirs", async () => {
  const batcher = new TurnBatcher();
  const broken = recordingTarget();
  const fine = recordingTarget();
  broken.throwNext = true;
  batcher.open(broken).add(packet(1));
  batcher.open(fine).add(packet(2));
  await nextTurn();
  assertEquals(broken.failures.length, 1);
  assertEquals(fine.batches, [[2]]);
});

Deno.test("while its socket is still writing, a small batch waits and goes out with the next turns' packets in one message", async () => {
  const batcher = new TurnBatcher();
  const busy = recordingTarget();
  const idle = recordingTarget();
  const busyBatch = batcher.open(busy);
  const idleBatch = batcher.open(idle);
  busy.writingBytes = 100;
  busyBatch.add(packet(1));
  idleBatch.add(packet(2));
  await Promise.resolve();
  assertEquals(idle.batches, [[2]], "a socket that is not writing gets its batch at the end of the turn");
  assertEquals(busy.batches, [], "held while the socket writes");
  assertEquals(busyBatch.pendingBytes, 3, "still counted as buffered");
  busyBatch.add(packet(3));
  await nextTurn();
  assertEquals(busy.batches, [], "still writing: still held");
  busy.writingBytes = 0;
  await nextTurn();
  assertEquals(busy.batches, [[1, 3]], "the write is done: both turns' packets in one message");
  assertEquals(batcher.pendingBatches, 0);
  assertEquals(batcher.batchesHeld > 0, true);
});

Deno.test("a held batch goes out by the timer when no more packets come, and a big one is never held", async () => {
  const batcher = new TurnBatcher();
  const target = recordingTarget();
  const batch = batcher.open(target);
  target.writingBytes = 1;
  batch.add(packet(1));
  await Promise.resolve();
  assertEquals(target.batches, [], "held");
  // Rechecks back off while nothing can go, then find the socket done.
  for (let i = 0; i < 5; i++) await nextTurn();
  target.writingBytes = 0;
  await new Promise((resolve) => setTimeout(resolve, 20));
  assertEquals(target.batches, [[1]], "sent without another packet to trigger it");
  target.writingBytes = 1;
  const big = new Uint8Array(HOLD_WHILE_WRITING_MAX_BYTES);
  big[0] = 9;
  batch.add(big);
  await Promise.resolve();
  assertEquals(target.batches, [[1], [9]], "a batch that already fills a write is not held");
});

Deno.test("a Goodbye's flush and a close go through a held batch; nothing is left pending", async () => {
  const batcher = new TurnBatcher();
  const target = recordingTarget();
  const batch = batcher.open(target);
  target.writingBytes = 1;
  batch.add(packet(1));
  await Promise.resolve();
  batch.add(packet(2));
  batch.flush();
  assertEquals(target.batches, [[1, 2]], "flush sends at once, writing or not");
  batch.add(packet(3));
  batch.close();
  await nextTurn();
  assertEquals(target.batches, [[1, 2]]);
  assertEquals(batcher.pendingBatches, 0, "the closed batch left the list");
});

Deno.test("a socket whose state cannot be read fails alone: the other held batches still go out", async () => {
  const batcher = new TurnBatcher();
  const broken = recordingTarget();
  const healthy = recordingTarget();
  const brokenBatch = batcher.open(broken);
  const healthyBatch = batcher.open(healthy);
  broken.writingBytes = 1;
  healthy.writingBytes = 1;
  brokenBatch.add(packet(1));
  healthyBatch.add(packet(2));
  await Promise.resolve();
  assertEquals(batcher.pendingBatches, 2, "both held while their sockets write");
  Object.defineProperty(broken, "writingBytes", {
    get() {
      throw new Error("bad resource");
    },
  });
  healthy.writingBytes = 0;
  await nextTurn();
  await nextTurn();
  assertEquals(healthy.batches, [[2]], "the healthy socket's batch went out");
  assertEquals(broken.batches, []);
  assertEquals(broken.failures.length, 1, "the broken socket is failed, once");
  assertEquals(batcher.pendingBatches, 0, "nothing is left in the lists");
  brokenBatch.add(packet(3));
  await nextTurn();
  assertEquals(broken.batches, [], "a failed batch sends nothing more");
});
