/** Why a database call failed, as a value the caller can act on. */
export type DatabaseErrorReason =
  /** A UNIQUE or PRIMARY KEY constraint (SQLSTATE 23505): e.g. the meeting id is taken. */
  | "unique_violation"
  /** A referenced row is missing (23503): e.g. a log entry for a meeting that does not exist. */
  | "foreign_key_violation"
  /** A CHECK constraint (23514) or NOT NULL (23502) refused the row. */
  | "check_violation"
  /** The server refused a value (class 22): a NUL byte in text, a malformed uuid, an out-of-range number. */
  | "invalid_value"
  /** Our own validation refused an input before it reached SQL (too long, control characters, bad id). */
  | "invalid_input"
  /** A serialization failure or deadlock (40001, 40P01): retrying the transaction may succeed. */
  | "transaction_conflict"
  /** The server cannot be reached or went away (connection refused, closed, class 08, admin shutdown). */
  | "unavailable"
  /** The Database was closed before this call. */
  | "closed"
  /** A migration failed or an applied migration no longer matches the code. */
  | "migration_failed"
  /** Anything else (a syntax error in our SQL, an internal error). */
  | "query_failed";

export class DatabaseError extends Error {
  override readonly name = "DatabaseError";
  readonly reason: DatabaseErrorReason;
  /** The server's SQLSTATE, when it sent one. */
  readonly sqlState: string | undefined;
  /** The violated constraint's name, when the server named one (e.g. "meetings_pkey"). */
  readonly constraint: string | undefined;

  constructor(
    reason: DatabaseErrorReason,
    message: string,
    options: { cause?: unknown; sqlState?: string; constraint?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.reason = reason;
    this.sqlState = options.sqlState;
    this.constraint = options.constraint;
  }
}

/** Driver error codes (not SQLSTATEs) that mean the connection is gone; `postgres` and Node's net use them. */
const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

function reasonForSqlState(sqlState: string): DatabaseErrorReason {
  if (sqlState === "23505") return "unique_violation";
  if (sqlState === "23503") return "foreign_key_violation";
  if (sqlState === "23514" || sqlState === "23502") return "check_violation";
  if (sqlState.startsWith("22")) return "invalid_value";
  if (sqlState === "40001" || sqlState === "40P01") return "transaction_conflict";
  if (sqlState.startsWith("08") || sqlState === "57P01" || sqlState === "57P02" || sqlState === "57P03") {
    return "unavailable";
  }
  return "query_failed";
}

/**
 * Turns whatever a driver threw into a DatabaseError. Both drivers put the SQLSTATE in `code`; PGlite names the
 * constraint `constraint`, `postgres` names it `constraint_name`.
 */
export function toDatabaseError(cause: unknown): DatabaseError {
  if (cause instanceof DatabaseError) return cause;
  const fields = (typeof cause === "object" && cause !== null ? cause : {}) as {
    code?: unknown;
    constraint?: unknown;
    constraint_name?: unknown;
    message?: unknown;
  };
  const code = typeof fields.code === "string" ? fields.code : undefined;
  const message = typeof fields.message === "string" ? fields.message : String(cause);
  const constraintName = fields.constraint_name ?? fields.constraint;
  const constraint = typeof constraintName === "string" ? constraintName : undefined;
  if (code !== undefined && CONNECTION_ERROR_CODES.has(code)) {
    return new DatabaseError("unavailable", `database unavailable: ${message}`, { cause });
  }
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) {
    const options: { cause: unknown; sqlState: string; constraint?: string } = { cause, sqlState: code };
    if (constraint !== undefined) options.constraint = constraint;
    return new DatabaseError(reasonForSqlState(code), message, options);
  }
  return new DatabaseError("query_failed", message, { cause });
}
