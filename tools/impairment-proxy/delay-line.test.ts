import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { DelayLine } from "./delay-line.ts";

Deno.test("the delay line delivers in arrival-time order (ties in push order), each not before its time", async () => {
  const delivered: Array<{ item: string; lateMs: number }> = [];
  const due = new Map<string, number>();
  const line = new DelayLine<string>((item) =>
    delivered.push({ item, lateMs: performance.now() - due.get(item)! }),
  );
  const startMs = performance.now();
  for (const [item, offsetMs] of [
    ["c", 60],
    ["a", 20],
    ["b", 40],
    ["b2", 40],
    ["now", 0],
  ] as const) {
    due.set(item, startMs + offsetMs);
    line.push(item, startMs + offsetMs);
  }
  await new Promise((resolve) => setTimeout(resolve, 150));
  deepStrictEqual(
    delivered.map((d) => d.item),
    ["now", "a", "b", "b2", "c"],
  );
  for (const { item, lateMs } of delivered)
    strictEqual(lateMs >= -1, true, `${item} came ${-lateMs} ms early`);
  strictEqual(line.size, 0);
  line.close();
});

Deno.test("a closed delay line delivers nothing more and holds no timer", async () => {
  const delivered: number[] = [];
  const line = new DelayLine<number>((item) => delivered.push(item));
  line.push(1, performance.now() + 30);
  line.close();
  line.push(2, performance.now());
  await new Promise((resolve) => setTimeout(resolve, 60));
  deepStrictEqual(delivered, []);
});
