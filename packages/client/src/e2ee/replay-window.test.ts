import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { ReplayWindow } from "./replay-window.ts";

Deno.test("a counter seen once is a replay; one older than the window is too old; gaps stay fresh", () => {
  const window = new ReplayWindow(64);
  assertEquals(window.check(10n), "fresh");
  assertEquals(window.accept(10n), true);
  assertEquals(window.check(10n), "replayed");
  assertEquals(window.accept(10n), false);
  // Reordering inside the window is fine, once.
  assertEquals(window.accept(12n), true);
  assertEquals(window.accept(11n), true);
  assertEquals(window.check(11n), "replayed");
  // Jump ahead: 100 is now the highest, so 100 - 64 = 36 is just out of reach, 37 is not.
  assertEquals(window.accept(100n), true);
  assertEquals(window.check(36n), "too-old");
  assertEquals(window.check(37n), "fresh");
  assertEquals(window.check(12n), "too-old");
  // A jump larger than the window forgets everything below.
  assertEquals(window.accept(1000n), true);
  assertEquals(window.check(999n), "fresh");
  assertEquals(window.check(100n), "too-old");
});

Deno.test("checking does not change the window: only accepted (authenticated) counters count", () => {
  const window = new ReplayWindow(16);
  for (let i = 0; i < 5; i++) assertEquals(window.check(1_000_000n), "fresh");
  window.accept(5n);
  // A forged frame claiming a huge counter was only checked, so 5..0 are still near the top.
  assertEquals(window.check(4n), "fresh");
});

Deno.test("every counter in a long shuffled run is accepted exactly once", () => {
  const window = new ReplayWindow(256);
  const counters = Array.from({ length: 5000 }, (_, i) => BigInt(i));
  // Local shuffles of up to 32 places, as a jitter buffer would see.
  for (let i = 0; i + 32 < counters.length; i += 32)
    counters.splice(i, 32, ...counters.slice(i, i + 32).reverse());
  let accepted = 0;
  for (const counter of counters) if (window.accept(counter)) accepted++;
  for (const counter of counters) assertEquals(window.accept(counter), false);
  assertEquals(accepted, counters.length);
});
