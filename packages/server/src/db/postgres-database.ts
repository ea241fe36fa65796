import postgres from "postgres";
import type { Database, SqlExecutor, SqlValue } from "./database.ts";
import { DatabaseError, toDatabaseError } from "./database-error.ts";

export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  maxConnections?: number;
  /** How long to wait for a connection before a query fails with "unavailable" (default 10 s). */
  connectTimeoutSeconds?: number;
}

/**
 * Connects to a real PostgreSQL server through the `postgres` client (a pool; connections open lazily), and
 * checks the server answers before it returns.
 */
export async function connectPostgresDatabase(url: string, options: PostgresOptions = {}): Promise<Database> {
  let sql: postgres.Sql;
  try {
    sql = postgres(url, {
      max: options.maxConnections ?? 10,
      connect_timeout: options.connectTimeoutSeconds ?? 10,
      // Idle connections close, so a restarted server is met with fresh ones.
      idle_timeout: 60,
      // NOTICEs ("relation already exists, skipping") would otherwise go to console.log.
      onnotice: () => {},
    });
  } catch (cause) {
    // A malformed URL throws here, synchronously.
    throw new DatabaseError("unavailable", "cannot connect to PostgreSQL: the URL is not valid", { cause });
  }
  const database = new PostgresDatabase(sql);
  try {
    await database.query("SELECT 1");
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

class PostgresDatabase implements Database {
  readonly backend = "postgres";
  readonly #sql: postgres.Sql;
  #closed: Promise<void> | undefined;

  constructor(sql: postgres.Sql) {
    this.#sql = sql;
  }

  async query<Row extends object>(text: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    this.#throwIfClosed();
    return await runQuery<Row>(this.#sql, text, params);
  }

  async executeScript(text: string): Promise<void> {
    this.#throwIfClosed();
    await runScript(this.#sql, text);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.#throwIfClosed();
    let workFailed = false;
    try {
      // `begin` reserves one pooled connection, rolls back when `work` throws and rethrows its error.
      const result = await this.#sql.begin((tx) =>
        work(transactionExecutor(tx)).catch((error: unknown) => {
          workFailed = true;
          throw error;
        }),
      );
      return result as T;
    } catch (error) {
      throw workFailed ? error : toDatabaseError(error);
    }
  }

  close(): Promise<void> {
    this.#closed ??= this.#sql.end({ timeout: 5 }).catch(() => undefined);
    return this.#closed;
  }

  #throwIfClosed(): void {
    if (this.#closed !== undefined) throw new DatabaseError("closed", "the database is closed");
  }
}

async function runQuery<Row extends object>(
  sql: postgres.Sql | postgres.TransactionSql,
  text: string,
  params: readonly SqlValue[],
): Promise<Row[]> {
  try {
    // `unsafe` only means the SQL text is not a tagged template: the values still travel as bound parameters.
    const rows = await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]);
    return [...rows] as unknown as Row[];
  } catch (error) {
    throw toDatabaseError(error);
  }
}

async function runScript(sql: postgres.Sql | postgres.TransactionSql, text: string): Promise<void> {
  try {
    // The simple protocol allows several statements in one call (no parameters).
    await sql.unsafe(text).simple();
  } catch (error) {
    throw toDatabaseError(error);
  }
}

function transactionExecutor(tx: postgres.TransactionSql): SqlExecutor {
  return {
    query: <Row extends object>(text: string, params: readonly SqlValue[] = []) =>
      runQuery<Row>(tx, text, params),
    executeScript: (text: string) => runScript(tx, text),
  };
}
