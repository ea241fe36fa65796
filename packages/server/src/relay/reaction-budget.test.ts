import assert from "node:assert/strict";
import { ReactionBudget } from "./reaction-budget.ts";

Deno.test("a reaction budget lets a burst through, then refills at its rate", () => {
  const budget = new ReactionBudget(0, 3, 2);
  assert.equal(budget.take(0), true);
  assert.equal(budget.take(0), true);
  assert.equal(budget.take(0), true);
  assert.equal(budget.take(0), false, "the burst is spent");
  assert.equal(budget.take(400), false, "0.8 of a token after 400 ms at 2 per second");
  assert.equal(budget.take(600), true, "one token after 500 ms");
  assert.equal(budget.take(600), false);
  for (let i = 0; i < 3; i++) assert.equal(budget.take(10_000), true);
  assert.equal(budget.take(10_000), false, "the refill stops at the burst");
});
