import { assert, assertEquals } from "../../../test/fixtures/assert.ts";
import { checkBatch, forEachPacketInBatch, framePrefixBytes, PacketBatchWriter } from "./packet-batch.ts";
import { frameOnStream, StreamDeframer } from "./stream-framing.ts";

const packetOf = (bytes: number) => new Uint8Array(bytes).map((_, i) => (i * 31 + bytes) & 0xff);

function split(message: Uint8Array, maxPacketBytes = 1 << 20): Uint8Array[] | string {
  const packets: Uint8Array[] = [];
  const problem = forEachPacketInBatch(message, maxPacketBytes, (p) => packets.push(p.slice()));
  return problem ? problem.kind : packets;
}

Deno.test("a batch is the stream framing: the writer's bytes deframe as a stream and split back into the packets", () => {
  const packets = [1, 63, 64, 300, 16383, 16384, 70000].map(packetOf);
  const writer = new PacketBatchWriter(16); // grows as needed
  for (const p of packets) writer.append(p);
  assertEquals(writer.packetCount, packets.length);
  assertEquals(
    writer.byteLength,
    packets.reduce((sum, p) => sum + framePrefixBytes(p.length) + p.length, 0),
  );
  assertEquals(split(writer.bytes), packets);
  const viaStream: Uint8Array[] = [];
  new StreamDeframer(1 << 20).push(writer.bytes, (p) => viaStream.push(p.slice()));
  assertEquals(viaStream, packets);
  // Same bytes as frameOnStream, one frame after the other.
  const frames = packets.map(frameOnStream);
  assertEquals(
    [...writer.bytes],
    frames.flatMap((f) => [...f]),
  );
});

Deno.test("the writer is reused: after reset it starts empty, its buffer kept", () => {
  const writer = new PacketBatchWriter();
  writer.append(packetOf(10));
  writer.reset();
  assertEquals(writer.byteLength, 0);
  writer.append(packetOf(5));
  assertEquals(split(writer.bytes), [packetOf(5)]);
});

Deno.test("a bad batch delivers nothing and says why", () => {
  const writer = new PacketBatchWriter();
  writer.append(packetOf(100));
  writer.append(packetOf(200));
  const whole = writer.bytes.slice();
  assertEquals(split(new Uint8Array(0)), "empty");
  // Cut anywhere inside a frame (the first is 2 + 100 bytes): truncated, and the whole packet before the cut is not delivered either.
  for (const cut of [1, 50, 101, 103, 104, whole.length - 1]) {
    let delivered = 0;
    const problem = forEachPacketInBatch(whole.subarray(0, cut), 1 << 20, () => delivered++);
    assertEquals(problem?.kind, "truncated", `cut at ${cut}`);
    assertEquals(delivered, 0);
  }
  assertEquals(split(Uint8Array.of(0x00, 0x01, 0x08)), "empty-packet");
  assertEquals(split(whole, 150), "too-large");
  assertEquals(
    split(Uint8Array.of(0xc0, 0, 0, 0, 0, 0, 0, 1, 9)),
    "too-large",
    "8-byte prefixes are refused",
  );
  assertEquals(checkBatch(whole, 1 << 20), undefined);
});

Deno.test("splitting a batch never throws, whatever the bytes", () => {
  let seed = 12345;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  for (let i = 0; i < 20_000; i++) {
    const bytes = new Uint8Array(next() % 40).map(() => next() & 0xff);
    const packets: Uint8Array[] = [];
    const problem = forEachPacketInBatch(bytes, 16, (p) => packets.push(p));
    if (problem) assertEquals(packets.length, 0, "a bad batch delivers nothing");
    else assertCovers(bytes, packets, 16);
  }
});

/** The packets are views into the message, in order, each after its prefix, ending where it ends. */
export function assertCovers(message: Uint8Array, packets: Uint8Array[], maxPacketBytes: number): void {
  let offset = 0;
  for (const p of packets) {
    assert(p.buffer === message.buffer, "a view into the message, not a copy");
    assert(p.length > 0 && p.length <= maxPacketBytes);
    const start = p.byteOffset - message.byteOffset;
    assert(start > offset && start - offset <= 4, "right after a 1-4 byte prefix");
    offset = start + p.length;
  }
  assertEquals(offset, message.length);
}
