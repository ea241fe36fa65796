import type { Database, DatabaseBackend } from "./database.ts";
import { DatabaseError } from "./database-error.ts";
import { type Migration, type MigrationReport, migrate } from "./migrate.ts";
import { MIGRATIONS } from "./migrations/mod.ts";
import { openPgliteDatabase } from "./pglite-database.ts";
import { connectPostgresDatabase, type PostgresOptions } from "./postgres-database.ts";

export type DatabaseConfig =
  /** Embedded PGlite: in memory when `dataDir` is undefined (lost on exit), else kept in that directory. */
  | { readonly backend: "pglite"; readonly dataDir?: string }
  | ({ readonly backend: "postgres"; readonly url: string } & PostgresOptions);

/** Where `npm start` keeps the embedded database unless told otherwise (gitignored). */
export const DEFAULT_DATA_DIR = "./data/pglite";

/**
 * The configuration for `--database-url` / DATABASE_URL: `postgres://…` or `postgresql://…` for a real
 * server, `memory://` for a throwaway embedded database, unset for the embedded one in `dataDir`.
 * Throws a DatabaseError ("invalid_input") for anything else, so a typo does not silently use PGlite.
 */
export function databaseConfigFrom(
  databaseUrl: string | undefined,
  dataDir = DEFAULT_DATA_DIR,
): DatabaseConfig {
  if (databaseUrl === undefined || databaseUrl === "") return { backend: "pglite", dataDir };
  if (databaseUrl === "memory://") return { backend: "pglite" };
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return { backend: "postgres", url: databaseUrl };
  throw new DatabaseError(
    "invalid_input",
    "the database URL must start with postgres:// or postgresql:// (or be memory:// for an in-memory database)",
  );
}

export type DatabaseState =
  | { readonly kind: "opening"; readonly backend: DatabaseBackend }
  | { readonly kind: "ready"; readonly database: Database; readonly migrations: MigrationReport }
  | { readonly kind: "failed"; readonly error: DatabaseError }
  | { readonly kind: "closed" };

/** A database that is still opening; see {@link openDatabase}. */
export interface OpeningDatabase {
  /** Resolves once the database is open and migrated; rejects with a DatabaseError if it cannot be. */
  readonly ready: Promise<Database>;
  /**
   * `ready`, or a DatabaseError ("unavailable", "still starting") once `timeoutMs` passes first: how long a
   * join arriving during the warm-up should wait at most before it is told to retry.
   */
  readyWithin(timeoutMs: number): Promise<Database>;
  /** Where it stands now, without waiting: the admission path can take the database when it is ready. */
  state(): DatabaseState;
  /** Closes it; if it is still opening, once it has opened. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts opening and migrating the database at once and returns without waiting, so the server can bind its
 * ports and serve the web app while PGlite warms up (seconds for a new data directory). Await `ready` where
 * the database is needed (admission); an unawaited failure is not an unhandled rejection, it shows in state().
 */
export function openDatabase(
  config: DatabaseConfig,
  options: { migrations?: readonly Migration[] } = {},
): OpeningDatabase {
  let state: DatabaseState = { kind: "opening", backend: config.backend };
  let closing: Promise<void> | undefined;
  const ready = (async () => {
    const database =
      config.backend === "pglite"
        ? await openPgliteDatabase(config.dataDir)
        : await connectPostgresDatabase(config.url, config);
    try {
      const migrations = await migrate(database, options.migrations ?? MIGRATIONS);
      if (closing === undefined) state = { kind: "ready", database, migrations };
      return database;
    } catch (error) {
      await database.close();
      throw error;
    }
  })().catch((cause: unknown) => {
    const error =
      cause instanceof DatabaseError ? cause : new DatabaseError("unavailable", String(cause), { cause });
    if (closing === undefined) state = { kind: "failed", error };
    throw error;
  });
  // Failures are reported through state() and to whoever awaits `ready`; never as an unhandled rejection.
  ready.catch(() => {});
  return {
    ready,
    readyWithin(timeoutMs) {
      if (state.kind === "ready") return Promise.resolve(state.database);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new DatabaseError("unavailable", `the database is still starting after ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      return Promise.race([ready, timeout]).finally(() => clearTimeout(timer));
    },
    state: () => state,
    close() {
      closing ??= ready.then(
        (database) => database.close(),
        () => undefined,
      );
      state = { kind: "closed" };
      return closing;
    },
  };
}
