import { assert, assertEquals } from "../../../test/fixtures/assert.ts";
import { FrameTooLargeError, frameOnStream, StreamDeframer } from "./stream-framing.ts";

Deno.test("frames survive being split and joined at every byte boundary", () => {
  const packets = [0, 1, 63, 64, 300, 16383, 16384, 70000].map((n) =>
    new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff),
  );
  const wire = new Uint8Array(packets.reduce((sum, p) => sum + frameOnStream(p).length, 0));
  let offset = 0;
  for (const p of packets) {
    const frame = frameOnStream(p);
    wire.set(frame, offset);
    offset += frame.length;
  }
  for (const chunkBytes of [1, 2, 3, 7, 64, 1000, wire.length]) {
    const deframer = new StreamDeframer(1 << 20);
    const received: Uint8Array[] = [];
    for (let i = 0; i < wire.length; i += chunkBytes) {
      deframer.push(wire.subarray(i, i + chunkBytes), (packet) => received.push(packet.slice()));
    }
    assertEquals(received, packets, `chunks of ${chunkBytes}`);
    assertEquals(deframer.pendingBytes, 0);
  }
});

Deno.test("a declared length over the limit is refused before it is buffered", () => {
  const deframer = new StreamDeframer(1000);
  const frame = frameOnStream(new Uint8Array(1001));
  let error: unknown;
  try {
    deframer.push(frame.subarray(0, 4), () => {});
  } catch (e) {
    error = e;
  }
  assert(error instanceof FrameTooLargeError);
  assertEquals(error.frameBytes, 1001);
});
