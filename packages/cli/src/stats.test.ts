import { strictEqual } from "node:assert/strict";
import { percentile } from "./stats.ts";

Deno.test("percentile uses the nearest rank", () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);
  strictEqual(percentile(values, 0.5), 50);
  strictEqual(percentile(values, 0.99), 99);
  strictEqual(percentile(values, 1), 100);
  strictEqual(percentile([], 0.5), 0);
});
