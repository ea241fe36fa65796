import { isValidName } from "@videocall/protocol";
import { DatabaseError } from "./database-error.ts";

/** Limits the schema enforces too (migrations/0001-initial-schema.ts); checked here first for a clear error. */
export const TEXT_LIMITS = {
  identity: 255,
  displayName: 128,
  oidcIssuer: 2048,
  oidcSubject: 255,
  banReason: 1000,
} as const;

// C0 controls (NUL included: PostgreSQL text cannot hold it), DEL and C1 controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** Refuses untrusted text before it reaches SQL: empty, too long, control characters or lone surrogates. */
export function checkText(field: string, value: string, maxChars: number): string {
  if (typeof value !== "string" || value.length === 0) invalid(field, "is empty");
  if (value.length > maxChars) invalid(field, `is longer than ${maxChars} characters`);
  if (CONTROL_CHARACTERS.test(value)) invalid(field, "contains control characters");
  // A lone surrogate would be silently replaced by U+FFFD on its way to UTF-8.
  if (!value.isWellFormed()) invalid(field, "is not well-formed Unicode");
  return value;
}

/** Like checkText, but null passes (an optional column). */
export function checkOptionalText(field: string, value: string | null, maxChars: number): string | null {
  return value === null ? null : checkText(field, value, maxChars);
}

/** Meeting ids are the lobby path's names: `[A-Za-z0-9_-]{1,64}`. */
export function checkMeetingId(value: string): string {
  if (typeof value !== "string" || !isValidName(value))
    invalid("meeting id", "must match [A-Za-z0-9_-]{1,64}");
  return value;
}

export function checkDate(field: string, value: Date | null): Date | null {
  if (value !== null && (!(value instanceof Date) || Number.isNaN(value.getTime()))) {
    invalid(field, "is not a valid date");
  }
  return value;
}

/** Throws the DatabaseError (reason "invalid_input") every check here throws. */
export function invalid(field: string, problem: string): never {
  throw new DatabaseError("invalid_input", `${field} ${problem}`);
}
