import assert from "node:assert/strict";
import pino from "pino";
import { installProcessGuards } from "./process-guards.ts";
import { RelayStats } from "./relay-stats.ts";

Deno.test("an unhandled rejection and an uncaught exception are counted and survived", async () => {
  const stats = new RelayStats();
  const uninstall = installProcessGuards(stats, pino({ level: "silent" }));
  try {
    void Promise.reject(new Error("nobody handles this"));
    setTimeout(() => {
      throw new Error("thrown from a timer");
    }, 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(stats.internalErrors.get("unhandled_rejection"), 1);
    assert.deepEqual(stats.internalErrors.get("uncaught_error"), 1);
  } finally {
    uninstall();
  }
});
