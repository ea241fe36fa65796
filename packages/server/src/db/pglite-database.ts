import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { Database, SqlExecutor, SqlValue } from "./database.ts";
import { DatabaseError, toDatabaseError } from "./database-error.ts";

/**
 * Opens embedded PostgreSQL (PGlite, WebAssembly, one connection) in memory or in `dataDir`. A new data
 * directory runs initdb inside WebAssembly (seconds); reopening one is much faster (docs/database.md).
 */
export async function openPgliteDatabase(dataDir?: string): Promise<Database> {
  const lock = dataDir === undefined ? undefined : await lockDataDir(dataDir);
  let pglite: PGlite;
  try {
    pglite = dataDir === undefined ? await PGlite.create() : await PGlite.create({ dataDir });
  } catch (cause) {
    lock?.close();
    throw new DatabaseError("unavailable", `cannot open the embedded database in ${dataDir ?? "memory"}`, {
      cause,
    });
  }
  return new PgliteDatabase(pglite, lock);
}

/**
 * PGlite does not stop a second process (or a second instance in this one) from opening the same data
 * directory, which would corrupt it; PostgreSQL's postmaster.pid does not help inside WebAssembly. So we hold
 * an exclusive advisory lock on `<dataDir>.lock` while the database is open. The OS drops it if we crash.
 */
async function lockDataDir(dataDir: string): Promise<Deno.FsFile> {
  let file: Deno.FsFile;
  try {
    await Deno.mkdir(dataDir, { recursive: true });
    file = await Deno.open(`${dataDir.replace(/\/+$/, "")}.lock`, { read: true, write: true, create: true });
  } catch (cause) {
    throw new DatabaseError("unavailable", `cannot use ${dataDir} as the embedded database's directory`, {
      cause,
    });
  }
  if (!(await file.tryLock(true))) {
    file.close();
    throw new DatabaseError("unavailable", `the embedded database in ${dataDir} is in use by another server`);
  }
  return file;
}

class PgliteDatabase implements Database {
  readonly backend = "pglite";
  readonly #pglite: PGlite;
  readonly #lock: Deno.FsFile | undefined;
  #closed: Promise<void> | undefined;

  constructor(pglite: PGlite, lock: Deno.FsFile | undefined) {
    this.#pglite = pglite;
    this.#lock = lock;
  }

  async query<Row extends object>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    this.#throwIfClosed();
    return await runQuery<Row>(this.#pglite, sql, params);
  }

  async executeScript(sql: string): Promise<void> {
    this.#throwIfClosed();
    await runScript(this.#pglite, sql);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.#throwIfClosed();
    let workFailed = false;
    try {
      // PGlite serialises transactions and top-level queries on its one connection (a mutex), rolls back
      // when `work` throws and rethrows its error.
      return await this.#pglite.transaction((tx) =>
        work(transactionExecutor(tx)).catch((error: unknown) => {
          workFailed = true;
          throw error;
        }),
      );
    } catch (error) {
      // The caller's own error goes back unchanged; a failing BEGIN/COMMIT becomes a DatabaseError.
      throw workFailed ? error : toDatabaseError(error);
    }
  }

  close(): Promise<void> {
    this.#closed ??= this.#pglite
      .close()
      .catch(() => undefined)
      .finally(() => this.#lock?.close());
    return this.#closed;
  }

  #throwIfClosed(): void {
    if (this.#closed !== undefined) throw new DatabaseError("closed", "the database is closed");
  }
}

interface PgliteQueryable {
  query<Row>(sql: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  exec(sql: string): Promise<unknown>;
}

async function runQuery<Row extends object>(
  target: PgliteQueryable,
  sql: string,
  params: readonly SqlValue[],
): Promise<Row[]> {
  try {
    return (await target.query<Row>(sql, [...params])).rows;
  } catch (error) {
    throw toDatabaseError(error);
  }
}

async function runScript(target: PgliteQueryable, sql: string): Promise<void> {
  try {
    await target.exec(sql);
  } catch (error) {
    throw toDatabaseError(error);
  }
}

function transactionExecutor(tx: Transaction): SqlExecutor {
  return {
    query: <Row extends object>(sql: string, params: readonly SqlValue[] = []) =>
      runQuery<Row>(tx, sql, params),
    executeScript: (sql: string) => runScript(tx, sql),
  };
}
