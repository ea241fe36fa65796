import { assertEquals } from "../../../../test/fixtures/assert.ts";
import { PacketInbox } from "./packet-inbox.ts";

Deno.test("packets that arrive before the listener is set are handed over in order, copied", () => {
  const inbox = new PacketInbox();
  const reused = new Uint8Array([1]);
  inbox.deliver(reused);
  reused[0] = 2; // the transport reuses its buffer: the kept packet must not change
  inbox.deliver(new Uint8Array([3]));
  const received: number[] = [];
  inbox.listener = (packet) => received.push(packet[0]!);
  inbox.deliver(new Uint8Array([4]));
  assertEquals(received, [1, 3, 4]);
});
