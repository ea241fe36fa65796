import { strictEqual } from "node:assert/strict";
import { UsedLoginStates } from "./used-login-states.ts";

Deno.test("a state is accepted once, refused while it lives, and forgotten after", () => {
  let nowMs = 1000;
  const used = new UsedLoginStates(10, () => nowMs);
  strictEqual(used.consume("s1", 2000), true);
  strictEqual(used.consume("s1", 2000), false);
  nowMs = 2001;
  strictEqual(used.consume("s2", 3000), true);
  strictEqual(used.size, 1, "the expired state was dropped");
});

Deno.test("the set stays bounded under a flood of states", () => {
  const used = new UsedLoginStates(100, () => 0);
  for (let i = 0; i < 10_000; i++) used.consume(`s${i}`, 1_000_000);
  strictEqual(used.size, 100);
  strictEqual(used.consume("s9999", 1_000_000), false, "the newest are remembered");
});
