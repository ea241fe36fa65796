import { frameOnStream, MAX_PACKET_BYTES } from "@videocall/protocol";
import { assertEquals } from "../../../../test/fixtures/assert.ts";
import { PacketInbox } from "./packet-inbox.ts";
import { readPacketStream } from "./packet-stream-reader.ts";

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

Deno.test("a length prefix over the limit ends the stream with a reason, after the packets before it", async () => {
  const good = frameOnStream(new Uint8Array([1, 2, 3]));
  // A 4-byte prefix claiming 0x3fffffff bytes, and then some bytes that will never add up to it.
  const lying = new Uint8Array([0xbf, 0xff, 0xff, 0xff, 9, 9, 9]);
  const received: number[][] = [];
  const end = await readPacketStream(streamOf([good, lying, good]), MAX_PACKET_BYTES, (packet) =>
    received.push([...packet]),
  );
  assertEquals(end, { kind: "frame-too-large", frameBytes: 0x3fffffff, maxBytes: MAX_PACKET_BYTES });
  assertEquals(received, [[1, 2, 3]]);
});

Deno.test("an 8-byte length prefix is refused the same way", async () => {
  const end = await readPacketStream(
    streamOf([new Uint8Array([0xc0, 0, 0, 0, 0, 0, 0, 1, 7])]),
    1024,
    () => {},
  );
  assertEquals(end.kind, "frame-too-large");
});

Deno.test("a frame split across reads is reassembled, and a stream that errors says so", async () => {
  const frame = frameOnStream(new Uint8Array(300).fill(5));
  const received: number[] = [];
  const end = await readPacketStream(
    streamOf([frame.subarray(0, 1), frame.subarray(1, 100), frame.subarray(100)]),
    1024,
    (packet) => received.push(packet.length),
  );
  assertEquals(end, { kind: "ended" });
  assertEquals(received, [300]);
  const failing = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.error(new Error("connection lost"));
    },
  });
  assertEquals((await readPacketStream(failing, 1024, () => {})).kind, "failed");
});

Deno.test("a listener that throws on one packet does not stop the packets after it", async () => {
  const inbox = new PacketInbox();
  const received: number[] = [];
  inbox.listener = (packet) => {
    if (packet[0] === 2) throw new Error("bad packet");
    received.push(packet[0]!);
  };
  const frames = [1, 2, 3].map((n) => frameOnStream(new Uint8Array([n])));
  const originalError = console.error;
  console.error = () => {};
  try {
    const end = await readPacketStream(streamOf(frames), 1024, (packet) => inbox.deliver(packet));
    assertEquals(end, { kind: "ended" });
  } finally {
    console.error = originalError;
  }
  assertEquals(received, [1, 3]);
  assertEquals(inbox.listenerErrors, 1);
});
