// Assertions for Deno tests: node:assert works in Deno and needs no registry outside npm.
import { deepStrictEqual, ok } from "node:assert/strict";

export function assert(condition: unknown, message?: string): asserts condition {
  ok(condition, message);
}

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  deepStrictEqual(actual, expected, message);
}
