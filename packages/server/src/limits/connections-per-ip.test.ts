import { assert, assertEquals } from "../../../../test/fixtures/assert.ts";
import { ConnectionsPerIp, normalizeIp } from "./connections-per-ip.ts";

Deno.test("an IP gets its limit of slots, others are unaffected, and a released slot can be taken again", () => {
  const limiter = new ConnectionsPerIp(2);
  const a1 = limiter.tryAcquire("10.0.0.1");
  const a2 = limiter.tryAcquire("10.0.0.1");
  assert(a1 && a2);
  assertEquals(limiter.tryAcquire("10.0.0.1"), undefined);
  assert(limiter.tryAcquire("10.0.0.2"), "another IP has its own count");
  a1.release();
  a1.release(); // twice is once
  assertEquals(limiter.openFrom("10.0.0.1"), 1);
  assert(limiter.tryAcquire("10.0.0.1"));
  assertEquals(limiter.tryAcquire("10.0.0.1"), undefined);
});

Deno.test("an IPv4 peer seen through a dual-stack socket counts as its IPv4 address", () => {
  assertEquals(normalizeIp("::ffff:127.0.0.1"), "127.0.0.1");
  assertEquals(normalizeIp("::1"), "::1");
  assertEquals(normalizeIp("FE80::1"), "fe80::1");
});
