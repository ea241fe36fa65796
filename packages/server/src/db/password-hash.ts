import { timingSafeEqual } from "node:crypto";

/**
 * Meeting passwords, hashed with PBKDF2-HMAC-SHA-256 from Web Crypto (native code, off the event loop in Deno).
 * 600 000 iterations is OWASP's 2023 figure for PBKDF2-SHA-256; the salt is 16 random bytes per password and
 * the derived key 32 bytes. The stored string is self-describing, in the PHC string format
 * (`$pbkdf2-sha256$i=600000$<salt>$<hash>`, unpadded base64), so the iteration count can rise later and old
 * hashes still verify.
 */
export const PASSWORD_HASH_ITERATIONS = 600_000;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** A planted hash with a huge count must not make one join attempt cost minutes of CPU. */
const MAX_ITERATIONS = 10_000_000;
const MIN_ITERATIONS = 100_000;
/** Longer passwords are refused rather than hashed: nobody types 1 KB, and the work should stay bounded. */
export const MAX_PASSWORD_CHARS = 1024;

const PHC_PATTERN = /^\$pbkdf2-sha256\$i=([0-9]{1,9})\$([A-Za-z0-9+/]{16,88})\$([A-Za-z0-9+/]{32,88})$/;

/** Hashes a new meeting password. Throws a RangeError for an empty or over-long password. */
export async function hashPassword(password: string): Promise<string> {
  if (password.length === 0 || password.length > MAX_PASSWORD_CHARS) {
    throw new RangeError(`a password has 1..${MAX_PASSWORD_CHARS} characters`);
  }
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const key = await deriveKey(password, salt, PASSWORD_HASH_ITERATIONS, KEY_BYTES);
  return `$pbkdf2-sha256$i=${PASSWORD_HASH_ITERATIONS}$${toBase64(salt)}$${toBase64(key)}`;
}

/**
 * Whether `password` matches `stored` (from {@link hashPassword}). False, never a throw, for a wrong password,
 * an over-long one or a malformed stored string. The final comparison takes the same time wherever the bytes
 * differ.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = PHC_PATTERN.exec(stored);
  if (!match || password.length > MAX_PASSWORD_CHARS) return false;
  const iterations = Number(match[1]);
  if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) return false;
  const salt = fromBase64(match[2]!);
  const expected = fromBase64(match[3]!);
  if (salt === undefined || expected === undefined) return false;
  const actual = await deriveKey(password, salt, iterations, expected.length);
  return timingSafeEqual(actual, expected);
}

/** True when `stored` was made with fewer iterations than today's: rehash it after a successful check. */
export function needsRehash(stored: string): boolean {
  const match = PHC_PATTERN.exec(stored);
  return !match || Number(match[1]) < PASSWORD_HASH_ITERATIONS;
}

async function deriveKey(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
  keyBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const material = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(password.normalize("NFC")),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    material,
    keyBytes * 8,
  );
  return new Uint8Array(bits);
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/=+$/, "");
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const binary = atob(text.padEnd(Math.ceil(text.length / 4) * 4, "="));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}
