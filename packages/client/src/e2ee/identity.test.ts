import { ok as assert, deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { decodeIdentityPublicKey, generateIdentity, supportsX25519 } from "./identity.ts";
import { KEY_WRAP_MESSAGE_BYTES, PairwiseChannel, readKeyWrapHeader } from "./key-wrap.ts";
import { generateMediaKey } from "./media-key.ts";

Deno.test("identities agree over X25519 when both have it, over P-256 when one lacks it", async () => {
  assert(await supportsX25519(), "Deno has X25519");
  const alice = await generateIdentity();
  const bob = await generateIdentity();
  const carol = await generateIdentity({ withoutX25519: true });
  assertEquals(alice.publicKey.bytes.length, 2 + 65 + 32);
  assertEquals(carol.publicKey.bytes.length, 2 + 65);
  assertEquals((await PairwiseChannel.create(alice, 1, bob.publicKey, 2))?.curve, "X25519");
  assertEquals((await PairwiseChannel.create(alice, 1, carol.publicKey, 3))?.curve, "P-256");
  assertEquals((await PairwiseChannel.create(carol, 3, alice.publicKey, 1))?.curve, "P-256");
});

Deno.test("identity private keys cannot be exported", async () => {
  const identity = await generateIdentity();
  assertEquals(identity.p256PrivateKey.extractable, false);
  assertEquals(identity.x25519PrivateKey?.extractable, false);
  await rejects(crypto.subtle.exportKey("pkcs8", identity.p256PrivateKey));
});

Deno.test("a peer's identity public key round-trips, and hostile bytes give typed errors", async () => {
  const identity = await generateIdentity();
  const decoded = await decodeIdentityPublicKey(identity.publicKey.bytes);
  assert(decoded.ok);
  assertEquals(decoded.publicKey.bytes, identity.publicKey.bytes);
  assertEquals(await decodeIdentityPublicKey(new Uint8Array(0)), { ok: false, reason: "malformed" });
  assertEquals(await decodeIdentityPublicKey(new Uint8Array([9, 0])), {
    ok: false,
    reason: "unsupported-version",
  });
  assertEquals(await decodeIdentityPublicKey(identity.publicKey.bytes.subarray(0, 50)), {
    ok: false,
    reason: "malformed",
  });
  const offCurve = new Uint8Array(identity.publicKey.bytes);
  offCurve[3]! ^= 0x01; // x coordinate changed: no longer on P-256
  assertEquals(await decodeIdentityPublicKey(offCurve), { ok: false, reason: "invalid-point" });
  for (let i = 0; i < 200; i++) {
    const random = crypto.getRandomValues(new Uint8Array(i % 110));
    const result = await decodeIdentityPublicKey(random);
    assert(result.ok === false || result.ok === true);
  }
});

Deno.test("a wrapped media key opens for its recipient only, carries sender id and epoch, and rejects tampering", async () => {
  const [alice, bob, mallory] = await Promise.all([
    generateIdentity(),
    generateIdentity(),
    generateIdentity(),
  ]);
  const aliceToBob = (await PairwiseChannel.create(alice, 11, bob.publicKey, 22))!;
  const bobFromAlice = (await PairwiseChannel.create(bob, 22, alice.publicKey, 11))!;
  const malloryFromAlice = (await PairwiseChannel.create(mallory, 22, alice.publicKey, 11))!;
  const mediaKey = generateMediaKey(7);

  const message = await aliceToBob.wrap(mediaKey);
  assertEquals(message.length, KEY_WRAP_MESSAGE_BYTES);
  const header = readKeyWrapHeader(message);
  assert(header.ok);
  assertEquals(header.header, { scheme: "X25519", senderId: 11, recipientId: 22, epoch: 7 });

  const opened = await bobFromAlice.unwrap(message);
  assert(opened.ok);
  assertEquals(opened.senderId, 11);
  assertEquals(opened.mediaKey, mediaKey);

  // Mallory claims Bob's id, but has not Bob's private key.
  assertEquals(await malloryFromAlice.unwrap(message), { ok: false, reason: "authentication-failed" });
  // Bob's own messages to Alice do not open in the Alice-to-Bob direction.
  const bobToAlice = await bobFromAlice.wrap(mediaKey);
  assertEquals(await bobFromAlice.unwrap(bobToAlice), { ok: false, reason: "wrong-channel" });
  // The epoch is authenticated: a relay cannot replay an old key as a new epoch.
  const epochChanged = new Uint8Array(message);
  epochChanged[13]! ^= 1;
  assertEquals(await bobFromAlice.unwrap(epochChanged), { ok: false, reason: "authentication-failed" });
  const flipped = new Uint8Array(message);
  flipped[50]! ^= 0x10;
  assertEquals(await bobFromAlice.unwrap(flipped), { ok: false, reason: "authentication-failed" });
  assertEquals(await bobFromAlice.unwrap(message.subarray(1)), { ok: false, reason: "malformed" });
  // Two wraps of the same key differ (fresh IV).
  assert((await aliceToBob.wrap(mediaKey)).some((byte, i) => byte !== message[i]));
});

Deno.test("wrapping works over the P-256 fallback too", async () => {
  const [alice, bob] = await Promise.all([generateIdentity({ withoutX25519: true }), generateIdentity()]);
  const mediaKey = generateMediaKey(0);
  const message = await (await PairwiseChannel.create(alice, 1, bob.publicKey, 2))!.wrap(mediaKey);
  const opened = await (await PairwiseChannel.create(bob, 2, alice.publicKey, 1))!.unwrap(message);
  assert(opened.ok);
  assertEquals(opened.mediaKey.bytes, mediaKey.bytes);
});
