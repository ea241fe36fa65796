import { assertEquals } from "../../../../../test/fixtures/assert.ts";
import { DecodeOrder } from "./decode-order.ts";

Deno.test("after a lost packet, outputs stamped one packet behind (Chromium) still go to their own packets", () => {
  const order = new DecodeOrder();
  // Packet 3 was lost on the way: 1, 2, 4, 5 go in.
  for (const sequence of [1, 2, 4, 5]) order.submitted(sequence);
  // Chromium stamps outputs by counting samples from the first: 1, 2, 3, 4.
  assertEquals(
    [1, 2, 3, 4].map((stamped) => order.output(stamped)),
    [1, 2, 4, 5],
  );
  assertEquals(order.output(5), undefined, "nothing is pending");
});

Deno.test("an output stamped with its own packet skips the packets before it that gave none", () => {
  const order = new DecodeOrder();
  for (const sequence of [7, 8, 9]) order.submitted(sequence);
  assertEquals(order.output(8), 8, "7 produced nothing");
  assertEquals(order.output(9), 9);
});

Deno.test("a replaced decoder's packets are forgotten, and the pending list is bounded", () => {
  const order = new DecodeOrder();
  order.submitted(1);
  order.clear();
  order.submitted(2);
  assertEquals(order.output(1), 2);
  for (let sequence = 0; sequence < 1_000; sequence++) order.submitted(sequence);
  assertEquals(order.output(-1), 1_000 - 64, "only the newest 64 are kept");
});
