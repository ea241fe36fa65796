import { notStrictEqual, ok, strictEqual } from "node:assert/strict";
import { displayNameFrom, emailFrom, identityFor, MAX_IDENTITY_CHARS } from "./oidc-identity.ts";

Deno.test("the identity is oidc:<issuer tag>:<sub>, stable for one issuer", async () => {
  const identity = await identityFor("https://accounts.example", "248289761001");
  ok(/^oidc:[A-Za-z0-9_-]{10}:248289761001$/.test(identity), identity);
  strictEqual(await identityFor("https://accounts.example", "248289761001"), identity);
});

Deno.test("the same sub at two issuers is two identities", async () => {
  notStrictEqual(await identityFor("https://a.example", "1"), await identityFor("https://b.example", "1"));
});

Deno.test("a sub too long or unprintable for an identity is hashed, still distinct per sub", async () => {
  const long = await identityFor("https://a.example", "x".repeat(255));
  ok(long.length <= MAX_IDENTITY_CHARS, String(long.length));
  ok(long.includes(":#"), long);
  notStrictEqual(long, await identityFor("https://a.example", "y".repeat(255)));
  ok((await identityFor("https://a.example", "a\u0000b")).includes(":#"));
});

Deno.test("the display name is name, then preferred_username, then email, cleaned", () => {
  strictEqual(
    displayNameFrom({ name: "Ada Lovelace", preferred_username: "ada", email: "ada@x.example" }),
    "Ada Lovelace",
  );
  strictEqual(displayNameFrom({ name: "  ", preferred_username: "ada" }), "ada");
  strictEqual(displayNameFrom({ name: 42, email: "ada@x.example" }), "ada@x.example");
  strictEqual(displayNameFrom({ name: "Ada\u0000\nLovelace\u202e" }), "Ada Lovelace\u202e");
  strictEqual(displayNameFrom({}), "Signed-in user");
  strictEqual(Array.from(displayNameFrom({ name: "😀".repeat(500) })).length, 64);
  strictEqual(displayNameFrom({ name: "\ud800broken" }), "\ufffdbroken");
});

Deno.test("an email is kept only when it looks like one and fits", () => {
  strictEqual(emailFrom({ email: "ada@x.example" }), "ada@x.example");
  strictEqual(emailFrom({ email: "not an email" }), undefined);
  strictEqual(emailFrom({ email: `${"a".repeat(400)}@x.example` }), undefined);
  strictEqual(emailFrom({ email: ["ada@x.example"] }), undefined);
});
