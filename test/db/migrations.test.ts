import assert from "node:assert/strict";
import {
  type Database,
  type DatabaseConfig,
  MIGRATIONS,
  type Migration,
  migrate,
} from "../../packages/server/src/db/mod.ts";
import { openPgliteDatabase } from "../../packages/server/src/db/pglite-database.ts";
import { connectPostgresDatabase } from "../../packages/server/src/db/postgres-database.ts";
import { rejectsWithReason, testOnEachBackend } from "./backends.ts";

const LATEST = MIGRATIONS.at(-1)!.version;
const ALL_VERSIONS = MIGRATIONS.map((migration) => migration.version);
/** A test migration after the real ones. */
const halfDone: Migration = {
  version: LATEST + 1,
  name: "half done",
  sql: "CREATE TABLE half_done (a int);",
};

/** Opens the database without migrating it (openDatabase always migrates). */
function openUnmigrated(config: DatabaseConfig): Promise<Database> {
  return config.backend === "pglite"
    ? openPgliteDatabase(config.dataDir)
    : connectPostgresDatabase(config.url);
}

async function tableNames(db: Database): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
  );
  return rows.map((row) => row.name);
}

testOnEachBackend("migrations", async (t, harness) => {
  const config = await harness.emptyDatabase();
  const db = await openUnmigrated(config);
  // On PostgreSQL a second client is a second relay starting against the same database.
  const other = harness.backend === "postgres" ? await openUnmigrated(config) : db;
  try {
    await t.step("on an empty database, two runners at once apply each migration exactly once", async () => {
      assert.deepEqual(await tableNames(db), []);
      const [first, second] = await Promise.all([migrate(db), migrate(other)]);
      assert.deepEqual([...first.applied, ...second.applied].sort(), ALL_VERSIONS);
      assert.deepEqual(await tableNames(db), [
        "chat_messages",
        "meeting_bans",
        "meeting_cohosts",
        "meeting_log",
        "meetings",
        "schema_migrations",
        "users",
      ]);
      const recorded = await db.query<{ version: number }>(
        "SELECT version FROM schema_migrations ORDER BY 1",
      );
      assert.deepEqual(
        recorded.map((row) => row.version),
        ALL_VERSIONS,
      );
    });

    await t.step("running them again is a no-op", async () => {
      assert.deepEqual(await migrate(db), { applied: [], unknown: [] });
      assert.deepEqual(await migrate(other), { applied: [], unknown: [] });
    });

    await t.step("a failing migration leaves nothing behind, and the next run retries it", async () => {
      const failing: Migration = {
        ...halfDone,
        sql: "CREATE TABLE half_done (a int); INSERT INTO half_done VALUES (1); SELECT 1 / 0;",
      };
      const error = await rejectsWithReason(migrate(db, [...MIGRATIONS, failing]), "migration_failed");
      assert.match(error.message, /half done/);
      assert.ok(!(await tableNames(db)).includes("half_done"), "its table was rolled back");
      // Once fixed, it applies (nothing recorded it as done).
      assert.deepEqual((await migrate(db, [...MIGRATIONS, halfDone])).applied, [LATEST + 1]);
      assert.ok((await tableNames(db)).includes("half_done"));
    });

    await t.step("an applied migration whose SQL changed is refused", async () => {
      const edited: Migration = { ...halfDone, sql: "CREATE TABLE half_done (a int, b int);" };
      const refused = await rejectsWithReason(migrate(db, [...MIGRATIONS, edited]), "migration_failed");
      assert.match(refused.message, /different SQL/);
    });

    await t.step("versions the code does not know are reported, not undone", async () => {
      assert.deepEqual(await migrate(db), { applied: [], unknown: [LATEST + 1] });
    });

    await t.step("versions out of order are refused before anything runs", async () => {
      await rejectsWithReason(migrate(db, [...MIGRATIONS].reverse().concat(MIGRATIONS)), "migration_failed");
    });
  } finally {
    if (other !== db) await other.close();
    await db.close();
  }
});
