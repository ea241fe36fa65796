import { ok as assert, deepStrictEqual as assertEquals } from "node:assert/strict";
import { fromHex, toHex } from "./bytes.ts";
import { parseSFrameCiphertext, sframeEncrypt, sframeNonce, sframeOpen } from "./sframe-cipher.ts";
import { SFrameEncryptor } from "./sframe-encryptor.ts";
import { decodeSFrameHeader, encodeSFrameHeader } from "./sframe-header.ts";
import { deriveSFrameKey, deriveSFrameKeyAndSalt, sframeKeyLabel, sframeSaltLabel } from "./sframe-key.ts";
import { HEADER_VALUES, HEADER_VECTORS, AES_128_GCM_SHA256_128_VECTOR as V } from "./test-vectors-rfc9605.ts";

const big = (hex: string) => BigInt(`0x${hex}`);

Deno.test("RFC 9605 C.1: all 289 header vectors encode and decode", () => {
  assertEquals(HEADER_VECTORS.length, 17);
  let cases = 0;
  HEADER_VECTORS.forEach((row, i) => {
    assertEquals(row.length, 17);
    row.forEach((expected, j) => {
      const kid = big(HEADER_VALUES[i]!);
      const ctr = big(HEADER_VALUES[j]!);
      assertEquals(toHex(encodeSFrameHeader(kid, ctr)), expected, `encode kid ${kid} ctr ${ctr}`);
      const decoded = decodeSFrameHeader(fromHex(expected));
      assert(decoded.ok, `decode ${expected}`);
      assertEquals(decoded.header, { keyId: kid, counter: ctr, byteLength: expected.length / 2 });
      cases++;
    });
  });
  assertEquals(cases, 289);
});

Deno.test("RFC 9605 C.3 (AES_128_GCM_SHA256_128): labels, key, salt, nonce, ciphertext and back", async () => {
  const kid = big(V.kid);
  const ctr = big(V.ctr);
  assertEquals(toHex(sframeKeyLabel(kid)), V.sframeKeyLabel);
  assertEquals(toHex(sframeSaltLabel(kid)), V.sframeSaltLabel);
  const { key, salt } = await deriveSFrameKeyAndSalt(fromHex(V.baseKey), kid);
  assertEquals(toHex(key), V.sframeKey);
  assertEquals(toHex(salt), V.sframeSalt);
  assertEquals(toHex(sframeNonce(salt, ctr)), V.nonce);

  const sframeKey = await deriveSFrameKey(fromHex(V.baseKey), kid);
  const ciphertext = await sframeEncrypt(sframeKey, ctr, fromHex(V.metadata), fromHex(V.pt));
  assertEquals(toHex(ciphertext), V.ct);

  const parsed = parseSFrameCiphertext(fromHex(V.ct));
  assert(parsed.ok);
  const header = fromHex(V.ct).subarray(0, parsed.header.byteLength);
  assertEquals(toHex(header) + V.metadata, V.aad, "AAD = header || metadata");
  const opened = await sframeOpen(sframeKey, parsed.header, fromHex(V.metadata), fromHex(V.ct));
  assert(opened.ok);
  assertEquals(toHex(opened.plaintext), V.pt);
});

Deno.test("a flipped bit anywhere, or other metadata, fails authentication with a typed result", async () => {
  const key = await deriveSFrameKey(fromHex(V.baseKey), big(V.kid));
  const ct = fromHex(V.ct);
  for (let bit = 0; bit < ct.length * 8; bit += 7) {
    const tampered = new Uint8Array(ct);
    tampered[bit >> 3]! ^= 1 << (bit & 7);
    const parsed = parseSFrameCiphertext(tampered);
    if (!parsed.ok) continue; // a flipped header bit can make the header itself unreadable: also rejected
    const opened = await sframeOpen(key, parsed.header, fromHex(V.metadata), tampered);
    assertEquals(opened.ok, false, `bit ${bit}`);
  }
  const parsed = parseSFrameCiphertext(ct);
  assert(parsed.ok);
  const otherMetadata = fromHex(V.metadata);
  otherMetadata[0]! ^= 0x80;
  assertEquals((await sframeOpen(key, parsed.header, otherMetadata, ct)).ok, false);
});

Deno.test("malformed headers are typed errors: empty, truncated, non-minimal, no room for a tag", () => {
  assertEquals(decodeSFrameHeader(new Uint8Array(0)), { ok: false, error: { reason: "empty" } });
  assertEquals(decodeSFrameHeader(fromHex("0f01")), { ok: false, error: { reason: "truncated" } });
  assertEquals(decodeSFrameHeader(fromHex("ff0102")), { ok: false, error: { reason: "truncated" } });
  // CTR 5 written in an extra byte, and KID 0x0100 written as 0x000100: both valid values, wrong spelling.
  assertEquals(decodeSFrameHeader(fromHex("0805")), { ok: false, error: { reason: "non-minimal" } });
  assertEquals(decodeSFrameHeader(fromHex("a0000100")), { ok: false, error: { reason: "non-minimal" } });
  assertEquals(parseSFrameCiphertext(fromHex(`00${"11".repeat(15)}`)), { ok: false, reason: "too-short" });
});

Deno.test("the header decoder never throws on random bytes, and what it accepts re-encodes to the same bytes", () => {
  for (let i = 0; i < 20_000; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(1 + (i % 20)));
    const decoded = decodeSFrameHeader(bytes);
    if (decoded.ok) {
      const again = encodeSFrameHeader(decoded.header.keyId, decoded.header.counter);
      assertEquals(toHex(again), toHex(bytes.subarray(0, decoded.header.byteLength)));
    }
  }
});

Deno.test("an encryptor never repeats a counter, even for overlapping calls, and refuses before it runs out", async () => {
  const key = await deriveSFrameKey(fromHex(V.baseKey), 7n);
  const encryptor = new SFrameEncryptor(key, { framesPerKey: 5n });
  const results = await Promise.all(
    Array.from({ length: 7 }, () => encryptor.encrypt(new Uint8Array(0), new Uint8Array([1, 2, 3]))),
  );
  const counters = results.flatMap((result) => (result.ok ? [result.counter] : []));
  assertEquals(counters, [0n, 1n, 2n, 3n, 4n]);
  assertEquals(results.slice(5), [
    { ok: false, reason: "key-exhausted" },
    { ok: false, reason: "key-exhausted" },
  ]);
  assertEquals(encryptor.framesLeft, 0n);
});
