import type { DatabaseError } from "./database-error.ts";

/**
 * The one small interface both back ends (embedded PGlite, real PostgreSQL) implement. Repositories and
 * migrations see only this, so the same SQL runs on both.
 */

/** A bound parameter. Values are always sent as parameters (`$1`, `$2`…), never spliced into SQL text. */
export type SqlValue = string | number | boolean | Date | null;

export type DatabaseBackend = "pglite" | "postgres";

/** Runs statements: the database itself, or one transaction of it. */
export interface SqlExecutor {
  /**
   * Runs one statement with `$n` parameters and returns its rows. Column names come back as written (alias
   * them: `display_name AS "displayName"`). `timestamptz` reads as Date and `boolean` as boolean on both back
   * ends, but `int8`/`bigint` does not (PGlite gives a number, `postgres` a string): cast to `int` or `text`.
   * Throws a {@link DatabaseError}.
   */
  query<Row extends object>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). Throws a {@link DatabaseError}. */
  executeScript(sql: string): Promise<void>;
}

export interface Database extends SqlExecutor {
  readonly backend: DatabaseBackend;
  /**
   * Runs `work` in one transaction: commits when it resolves, rolls back and rethrows when it throws. Inside,
   * use only the `tx` it is given: on PGlite (one connection) a query on the outer database waits for the
   * transaction to end, so it would never finish.
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Closes the connection(s); later calls throw a DatabaseError with reason "closed". Idempotent. */
  close(): Promise<void>;
}
