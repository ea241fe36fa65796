import { assert, assertEquals } from "../../../../test/fixtures/assert.ts";
import { TokenBucket } from "./token-bucket.ts";

Deno.test("a token bucket starts full, refuses past its burst and refills at its rate", () => {
  const bucket = new TokenBucket(100, 100, 0);
  for (let i = 0; i < 100; i++) assert(bucket.tryTake(1, 0), `token ${i}`);
  assertEquals(bucket.tryTake(1, 0), false, "the burst is spent");
  assertEquals(bucket.tryTake(1, 5), false, "half a token after 5 ms");
  assert(bucket.tryTake(1, 10), "one token after 10 ms at 100/s");
  assertEquals(bucket.available(10_000), 100, "never more than the capacity");
});

Deno.test("a refused take takes nothing, and a clock that steps back adds nothing", () => {
  const bucket = new TokenBucket(1000, 1000, 0);
  assertEquals(bucket.tryTake(1001, 0), false);
  assertEquals(bucket.available(0), 1000);
  bucket.take(1000);
  assertEquals(bucket.available(-50), 0);
  assertEquals(bucket.available(1), 1);
});
