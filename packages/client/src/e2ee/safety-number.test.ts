import { ok as assert, deepStrictEqual as assertEquals, notDeepStrictEqual } from "node:assert/strict";
import { generateIdentity } from "./identity.ts";
import { SAFETY_EMOJI, safetyNumber } from "./safety-number.ts";

Deno.test("both sides compute the same safety number: 60 digits in 12 groups of 5, and 8 emoji", async () => {
  const [alice, bob] = await Promise.all([generateIdentity(), generateIdentity()]);
  const onAlice = await safetyNumber(alice.publicKey.bytes, bob.publicKey.bytes);
  const onBob = await safetyNumber(bob.publicKey.bytes, alice.publicKey.bytes);
  assertEquals(onAlice, onBob);
  assert(/^\d{60}$/.test(onAlice.digits), onAlice.digits);
  assertEquals(onAlice.groups.length, 12);
  assertEquals(onAlice.groups.join(""), onAlice.digits);
  assertEquals(onAlice.emoji.length, 8);
  assert(onAlice.emoji.every((symbol) => SAFETY_EMOJI.includes(symbol)));
  assertEquals(new Set(SAFETY_EMOJI).size, 64);
});

Deno.test("the safety number changes when either identity key changes", async () => {
  const [alice, bob, newAlice, newBob] = await Promise.all([
    generateIdentity(),
    generateIdentity(),
    generateIdentity(),
    generateIdentity(),
  ]);
  const original = await safetyNumber(alice.publicKey.bytes, bob.publicKey.bytes);
  const aliceChanged = await safetyNumber(newAlice.publicKey.bytes, bob.publicKey.bytes);
  const bobChanged = await safetyNumber(alice.publicKey.bytes, newBob.publicKey.bytes);
  notDeepStrictEqual(aliceChanged.digits, original.digits);
  notDeepStrictEqual(bobChanged.digits, original.digits);
  notDeepStrictEqual(aliceChanged.emoji, original.emoji);
  notDeepStrictEqual(bobChanged.emoji, original.emoji);
  // Bob's half of the digits is his key's alone: it stays when only Alice's key changes.
  const halves = (digits: string) => [digits.slice(0, 30), digits.slice(30)];
  assert(halves(aliceChanged.digits).some((half) => halves(original.digits).includes(half)));
});

Deno.test("a one-bit change in a key changes the number", async () => {
  const [alice, bob] = await Promise.all([generateIdentity(), generateIdentity()]);
  const flipped = new Uint8Array(bob.publicKey.bytes);
  flipped[flipped.length - 1]! ^= 1;
  notDeepStrictEqual(
    (await safetyNumber(alice.publicKey.bytes, flipped)).digits,
    (await safetyNumber(alice.publicKey.bytes, bob.publicKey.bytes)).digits,
  );
});
