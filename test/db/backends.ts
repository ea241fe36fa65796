import { PGlite } from "@electric-sql/pglite";
import {
  type DatabaseBackend,
  type DatabaseConfig,
  DatabaseError,
  type DatabaseErrorReason,
} from "../../packages/server/src/db/mod.ts";
import { type PostgresServer, startPostgres } from "../fixtures/postgres.ts";

/** One back end under test: hands out empty databases and cleans up after them. */
export interface BackendHarness {
  readonly backend: DatabaseBackend;
  /**
   * The configuration of a new, empty database that outlives close() (so a test can reopen it): a new PGlite
   * data directory, or a new database on the fixture's PostgreSQL server. A PGlite one is restored from a
   * cached template unless `coldStart` asks for the product's own first start (initdb in WebAssembly).
   */
  emptyDatabase(options?: { coldStart?: boolean }): Promise<DatabaseConfig>;
  /** The PostgreSQL server, for tests that restart it; undefined for PGlite. */
  readonly postgres: PostgresServer | undefined;
  /** How long starting the back end took (the PostgreSQL fixture; 0 for PGlite). */
  readonly startMs: number;
  stop(): Promise<void>;
}

export const BACKENDS: readonly DatabaseBackend[] = ["pglite", "postgres"];

export async function startBackend(backend: DatabaseBackend): Promise<BackendHarness> {
  if (backend === "postgres") {
    const started = performance.now();
    const server = await startPostgres();
    return {
      backend,
      postgres: server,
      startMs: Math.round(performance.now() - started),
      emptyDatabase: async () => ({ backend: "postgres", url: await server.createDatabase() }),
      stop: () => server.stop(),
    };
  }
  const directories: string[] = [];
  return {
    backend,
    postgres: undefined,
    startMs: 0,
    async emptyDatabase(options = {}) {
      const directory = await Deno.makeTempDir({ prefix: "videocall-pglite-" });
      directories.push(directory, `${directory}.lock`);
      if (!options.coldStart) {
        const restored = await PGlite.create({ dataDir: directory, loadDataDir: await pgliteTemplate() });
        await restored.close();
      }
      return { backend: "pglite", dataDir: directory };
    },
    async stop() {
      await Promise.all(directories.map((path) => Deno.remove(path, { recursive: true }).catch(() => {})));
    },
  };
}

/**
 * A freshly initialised, unmigrated PGlite data directory as a tarball. initdb in WebAssembly takes 5–25 s on
 * this machine, restoring this about 1.5 s, and every test file is its own module; so the tarball is kept in
 * the temp directory across files and runs, named after the PGlite version.
 */
async function pgliteTemplate(): Promise<Blob> {
  const manifest = new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url);
  const { version } = JSON.parse(await Deno.readTextFile(manifest)) as { version: string };
  const path = `${Deno.env.get("TMPDIR") ?? "/tmp"}/videocall-pglite-template-${version}.tar`;
  try {
    return new Blob([await Deno.readFile(path)]);
  } catch {
    // Not made yet: make it below.
  }
  const fresh = await PGlite.create();
  const dump = await fresh.dumpDataDir("none");
  await fresh.close();
  // Written aside and renamed, so a concurrent test run never reads half a file.
  const partial = `${path}.${crypto.randomUUID()}`;
  await Deno.writeFile(partial, new Uint8Array(await dump.arrayBuffer()));
  await Deno.rename(partial, path);
  return dump;
}

/**
 * Registers one test per back end, each with its own harness (a PostgreSQL server is started for the
 * postgres one), so every database test runs against both PGlite and real PostgreSQL.
 */
export function testOnEachBackend(
  name: string,
  body: (t: Deno.TestContext, harness: BackendHarness) => Promise<void>,
): void {
  for (const backend of BACKENDS) {
    Deno.test(`${name} (${backend})`, async (t) => {
      const harness = await startBackend(backend);
      try {
        await body(t, harness);
      } finally {
        await harness.stop();
      }
    });
  }
}

/** Milliseconds `work` took, with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: Math.round(performance.now() - started) };
}

/** Asserts that `work` rejects with a DatabaseError of `reason`, and returns it. */
export async function rejectsWithReason(
  work: Promise<unknown> | (() => Promise<unknown>),
  reason: DatabaseErrorReason,
): Promise<DatabaseError> {
  try {
    await (typeof work === "function" ? work() : work);
  } catch (error) {
    if (!(error instanceof DatabaseError))
      throw new Error(`expected a DatabaseError (${reason}), got ${error}`);
    if (error.reason !== reason) {
      throw new Error(`expected reason ${reason}, got ${error.reason}: ${error.message}`, { cause: error });
    }
    return error;
  }
  throw new Error(`expected a DatabaseError (${reason}), but it resolved`);
}
