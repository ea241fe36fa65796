import { forEachPacketInBatch } from "@videocall/protocol";
import { assertEquals } from "../../../../test/fixtures/assert.ts";
import { TurnBatcher } from "./turn-batcher.ts";

function recordingTarget() {
  const batches: number[][] = [];
  const failures: unknown[] = [];
  return {
    batches,
    failures,
    throwNext: false,
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
