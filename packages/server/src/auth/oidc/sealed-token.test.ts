import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { TokenSealer } from "./sealed-token.ts";

Deno.test("a sealed token opens with the same secret and purpose", async () => {
  const sealer = await TokenSealer.create("a session secret of at least thirty-two characters");
  const token = await sealer.seal("session", { idn: "oidc:x:1", name: "Ada" }, 60);
  const claims = await sealer.open("session", token);
  deepStrictEqual([claims?.idn, claims?.name], ["oidc:x:1", "Ada"]);
  strictEqual(token.includes("Ada"), false, "the payload is encrypted");
});

Deno.test("another secret, another purpose, a tampered or expired token open to nothing", async () => {
  const sealer = await TokenSealer.create("a session secret of at least thirty-two characters");
  const token = await sealer.seal("session", { idn: "oidc:x:1" }, 60);
  const other = await TokenSealer.create("another secret, also at least thirty-two characters");
  strictEqual(await other.open("session", token), undefined);
  strictEqual(await sealer.open("oidc-login", token), undefined);
  const parts = token.split(".");
  const ciphertext = parts[3]!;
  parts[3] = `${ciphertext[0] === "A" ? "B" : "A"}${ciphertext.slice(1)}`;
  strictEqual(await sealer.open("session", parts.join(".")), undefined);
  strictEqual(await sealer.open("session", "garbage"), undefined);
  strictEqual(await sealer.open("session", ""), undefined);
  strictEqual(await sealer.open("session", "a".repeat(100_000)), undefined);
  const expired = await sealer.seal("session", { idn: "oidc:x:1" }, -120);
  strictEqual(await sealer.open("session", expired), undefined);
});

Deno.test("without a secret each sealer has its own random key", async () => {
  const first = await TokenSealer.create(undefined);
  const second = await TokenSealer.create(undefined);
  const token = await first.seal("session", { idn: "a" }, 60);
  strictEqual((await first.open("session", token))?.idn, "a");
  strictEqual(await second.open("session", token), undefined);
});
