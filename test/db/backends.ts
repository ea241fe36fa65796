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
   * data directory, or a new database on the fixture's PostgreSQL server.
   */
  emptyDatabase(): Promise<DatabaseConfig>;
  /** The PostgreSQL server, for tests that restart it; undefined for PGlite. */
  readonly postgres: PostgresServer | undefined;
  stop(): Promise<void>;
}

export const BACKENDS: readonly DatabaseBackend[] = ["pglite", "postgres"];

export async function startBackend(backend: DatabaseBackend): Promise<BackendHarness> {
  if (backend === "postgres") {
    const server = await startPostgres();
    return {
      backend,
      postgres: server,
      emptyDatabase: async () => ({ backend: "postgres", url: await server.createDatabase() }),
      stop: () => server.stop(),
    };
  }
  const directories: string[] = [];
  return {
    backend,
    postgres: undefined,
    async emptyDatabase() {
      const directory = await Deno.makeTempDir({ prefix: "videocall-pglite-" });
      directories.push(directory, `${directory}.lock`);
      return { backend: "pglite", dataDir: directory };
    },
    async stop() {
      await Promise.all(directories.map((path) => Deno.remove(path, { recursive: true }).catch(() => {})));
    },
  };
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
