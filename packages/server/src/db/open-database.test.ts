import assert from "node:assert/strict";
import { DatabaseError, toDatabaseError } from "./database-error.ts";
import { MIGRATIONS } from "./migrations/mod.ts";
import { DEFAULT_DATA_DIR, databaseConfigFrom } from "./open-database.ts";

Deno.test("--database-url picks the back end: unset is PGlite on disk, memory:// in memory, postgres:// a server", () => {
  assert.deepEqual(databaseConfigFrom(undefined), { backend: "pglite", dataDir: DEFAULT_DATA_DIR });
  assert.deepEqual(databaseConfigFrom("", "/var/lib/videocall"), {
    backend: "pglite",
    dataDir: "/var/lib/videocall",
  });
  assert.deepEqual(databaseConfigFrom("memory://"), { backend: "pglite" });
  for (const url of ["postgres://u:p@db:5432/videocall", "postgresql://db/videocall?sslmode=require"]) {
    assert.deepEqual(databaseConfigFrom(url), { backend: "postgres", url });
  }
  for (const typo of ["postgre://db", "mysql://db", "./data", "file:///tmp/x"]) {
    assert.throws(
      () => databaseConfigFrom(typo),
      (error) => error instanceof DatabaseError && error.reason === "invalid_input",
    );
  }
});

Deno.test("driver errors map to reasons by SQLSTATE and connection codes", () => {
  const cases: [unknown, string][] = [
    [{ code: "23505", message: "dup", constraint: "meetings_pkey" }, "unique_violation"],
    [{ code: "23503", message: "fk" }, "foreign_key_violation"],
    [{ code: "23514", message: "check" }, "check_violation"],
    [{ code: "23502", message: "null" }, "check_violation"],
    [{ code: "22021", message: "nul" }, "invalid_value"],
    [{ code: "40P01", message: "deadlock" }, "transaction_conflict"],
    [{ code: "57P01", message: "terminating connection due to administrator command" }, "unavailable"],
    [{ code: "ECONNREFUSED", message: "refused" }, "unavailable"],
    [{ code: "CONNECTION_CLOSED", message: "closed" }, "unavailable"],
    [{ code: "42601", message: "syntax" }, "query_failed"],
    [new Error("plain"), "query_failed"],
    ["a string", "query_failed"],
  ];
  for (const [cause, reason] of cases)
    assert.equal(toDatabaseError(cause).reason, reason, JSON.stringify(cause));
  const mapped = toDatabaseError({
    code: "23505",
    message: "dup",
    constraint_name: "users_oidc_identity_key",
  });
  assert.equal(mapped.constraint, "users_oidc_identity_key");
  assert.equal(mapped.sqlState, "23505");
});

Deno.test("migration versions are 1, 2, 3… with no gaps and names", () => {
  assert.deepEqual(
    MIGRATIONS.map((migration) => migration.version),
    MIGRATIONS.map((_, i) => i + 1),
  );
  for (const migration of MIGRATIONS) assert.ok(migration.name.length > 0 && migration.sql.trim().length > 0);
});
