import assert from "node:assert/strict";
import {
  hashPassword,
  MAX_PASSWORD_CHARS,
  needsRehash,
  PASSWORD_HASH_ITERATIONS,
  verifyPassword,
} from "./password-hash.ts";

Deno.test("a hashed password verifies, a wrong one does not, and each hash has its own salt", async () => {
  const started = performance.now();
  const stored = await hashPassword("correct horse battery staple");
  console.log(
    `PBKDF2-SHA-256 x ${PASSWORD_HASH_ITERATIONS}: ${Math.round(performance.now() - started)} ms per hash`,
  );
  assert.match(stored, /^\$pbkdf2-sha256\$i=600000\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.equal(stored.includes("correct"), false);
  assert.equal(await verifyPassword("correct horse battery staple", stored), true);
  assert.equal(await verifyPassword("correct horse battery stapl", stored), false);
  assert.equal(await verifyPassword("", stored), false);
  const again = await hashPassword("correct horse battery staple");
  assert.notEqual(again, stored, "a random salt per password");
  assert.equal(await verifyPassword("correct horse battery staple", again), true);
  assert.equal(needsRehash(stored), false);
});

Deno.test("Unicode passwords verify in either normal form", async () => {
  const stored = await hashPassword("caf\u00e9");
  assert.equal(await verifyPassword("cafe\u0301", stored), true);
});

Deno.test("malformed or hostile stored hashes verify as false, never throw", async () => {
  const stored = await hashPassword("pw");
  const [, , , salt, hash] = stored.split("$");
  for (const bad of [
    "",
    "pw",
    "$pbkdf2-sha256$i=600000$$",
    `$pbkdf2-sha512$i=600000$${salt}$${hash}`,
    `$pbkdf2-sha256$i=1$${salt}$${hash}`, // too cheap to be ours
    `$pbkdf2-sha256$i=999999999$${salt}$${hash}`, // would cost minutes per attempt
    `$pbkdf2-sha256$i=600000$${salt}$${hash}x`,
    `$pbkdf2-sha256$i=600000$${salt}$${"A".repeat(43)}`,
  ]) {
    assert.equal(await verifyPassword("pw", bad), false, bad);
  }
  assert.equal(await verifyPassword("x".repeat(MAX_PASSWORD_CHARS + 1), stored), false);
  assert.equal(needsRehash(`$pbkdf2-sha256$i=100000$${salt}$${hash}`), true);
  assert.equal(needsRehash("garbage"), true);
});

Deno.test("empty and over-long new passwords are refused", async () => {
  await assert.rejects(hashPassword(""), RangeError);
  await assert.rejects(hashPassword("x".repeat(MAX_PASSWORD_CHARS + 1)), RangeError);
});
