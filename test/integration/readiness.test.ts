import assert from "node:assert/strict";
import { openDatabase } from "../../packages/server/src/db/open-database.ts";
import { startServer } from "../../packages/server/src/server.ts";
import { freshDataDir, removeDataDir } from "../fixtures/pglite-data-dir.ts";

async function readiness(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

Deno.test("/readyz: 503 while the database opens, 200 once it is ready, 503 again while the node drains", async () => {
  const dataDir = await freshDataDir();
  const database = openDatabase({ backend: "pglite", dataDir });
  const server = await startServer({
    hostname: "127.0.0.1",
    port: 0,
    webRoot: "/nonexistent",
    heartbeatTimeoutMs: 15_000,
    webTransportPort: false,
    database,
  });
  try {
    const early = await readiness(server.url);
    // PGlite takes a while to open even from a copied directory; if it beat the first request, fine.
    if (early.body.database !== "ready") assert.equal(early.status, 503);
    await database.ready;
    const ready = await readiness(server.url);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: "ready", database: "ready", draining: false });
    // What SIGTERM does first: the relay closes and turns joins away while connections wind down.
    server.relay.close(1012, "server draining");
    const draining = await readiness(server.url);
    assert.equal(draining.status, 503);
    assert.equal(draining.body.draining, true);
    assert.equal(
      await fetch(`${server.url}/healthz`).then((r) => r.body?.cancel().then(() => r.status)),
      200,
    );
  } finally {
    await server.shutdown();
    await database.close();
    await removeDataDir(dataDir);
  }
});
