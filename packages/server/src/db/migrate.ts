import type { Database } from "./database.ts";
import { DatabaseError } from "./database-error.ts";
import { MIGRATIONS } from "./migrations/mod.ts";

export interface Migration {
  /** 1, 2, 3…: applied in this order, each at most once. */
  readonly version: number;
  readonly name: string;
  /** One or more statements, no parameters. Runs in one transaction with its schema_migrations row. */
  readonly sql: string;
}

export interface MigrationReport {
  /** Versions this call applied (empty when the schema was up to date). */
  readonly applied: readonly number[];
  /** Versions found in schema_migrations that this code does not know: a newer node migrated the database. */
  readonly unknown: readonly number[];
}

/**
 * Any constant both back ends agree on: every runner takes this transaction-scoped advisory lock, so relays
 * starting together against one PostgreSQL apply each migration once and the others wait, then skip it.
 */
const MIGRATION_LOCK_KEY = 727_100_001;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Brings the schema up to date: each pending migration runs in its own transaction together with the row
 * that records it, so a failing one leaves nothing behind and the next start retries it. Running it again is
 * a no-op. Throws a DatabaseError with reason "migration_failed" when a migration fails or when an applied
 * one's SQL has changed since.
 */
export async function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationReport> {
  checkOrder(migrations);
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    await tx.query(CREATE_MIGRATIONS_TABLE);
  });
  const applied: number[] = [];
  for (const migration of migrations) {
    const checksum = await sha256Hex(migration.sql);
    const ran = await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      const existing = await tx.query<{ checksum: string }>(
        "SELECT checksum FROM schema_migrations WHERE version = $1",
        [migration.version],
      );
      const recorded = existing[0];
      if (recorded !== undefined) {
        if (recorded.checksum !== checksum) {
          throw new DatabaseError(
            "migration_failed",
            `migration ${migration.version} (${migration.name}) was applied with different SQL; ` +
              "add a new migration instead of editing a shipped one",
          );
        }
        return false;
      }
      try {
        await tx.executeScript(migration.sql);
      } catch (cause) {
        throw new DatabaseError(
          "migration_failed",
          `migration ${migration.version} (${migration.name}) failed: ${(cause as Error).message}`,
          { cause },
        );
      }
      await tx.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
        migration.version,
        migration.name,
        checksum,
      ]);
      return true;
    });
    if (ran) applied.push(migration.version);
  }
  const known = new Set(migrations.map((migration) => migration.version));
  const recorded = await db.query<{ version: number }>(
    "SELECT version FROM schema_migrations ORDER BY version",
  );
  const unknown = recorded.map((row) => row.version).filter((version) => !known.has(version));
  return { applied, unknown };
}

function checkOrder(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const migration of migrations) {
    if (!Number.isInteger(migration.version) || migration.version <= previous) {
      throw new DatabaseError(
        "migration_failed",
        `migration versions must be increasing integers; ${migration.version} follows ${previous}`,
      );
    }
    previous = migration.version;
  }
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
