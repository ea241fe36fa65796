/**
 * Bundled into a page by test/e2e/sframe-vectors.test.ts: runs our E2EE code on the browser's
 * own Web Crypto and returns what it computed; the Deno side compares that with RFC 9605's vectors.
 */
import { fromHex, toHex } from "../../../packages/client/src/e2ee/bytes.ts";
import { generateIdentity, supportsX25519 } from "../../../packages/client/src/e2ee/identity.ts";
import { PairwiseChannel } from "../../../packages/client/src/e2ee/key-wrap.ts";
import { generateMediaKey } from "../../../packages/client/src/e2ee/media-key.ts";
import { safetyNumber } from "../../../packages/client/src/e2ee/safety-number.ts";
import {
  parseSFrameCiphertext,
  sframeEncrypt,
  sframeNonce,
  sframeOpen,
} from "../../../packages/client/src/e2ee/sframe-cipher.ts";
import { decodeSFrameHeader, encodeSFrameHeader } from "../../../packages/client/src/e2ee/sframe-header.ts";
import { deriveSFrameKey, deriveSFrameKeyAndSalt } from "../../../packages/client/src/e2ee/sframe-key.ts";
import {
  HEADER_VALUES,
  AES_128_GCM_SHA256_128_VECTOR as V,
} from "../../../packages/client/src/e2ee/test-vectors-rfc9605.ts";

export interface BrowserE2eeResults {
  isSecureContext: boolean;
  /** encoded[i][j]: our header for kid = HEADER_VALUES[i], ctr = HEADER_VALUES[j]. */
  encodedHeaders: string[][];
  /** Our decoding of each RFC header, as [kid hex, ctr hex] or the error reason. */
  decodedHeaders: string[][];
  sframeKey: string;
  sframeSalt: string;
  nonce: string;
  ciphertext: string;
  decrypted: string;
  tamperedOpens: boolean;
  x25519: boolean;
  wrapCurve: string;
  unwrapMatches: boolean;
  safetyNumbersMatch: boolean;
}

async function run(rfcHeaders: readonly (readonly string[])[]): Promise<BrowserE2eeResults> {
  const big = (hex: string) => BigInt(`0x${hex}`);
  const hex16 = (value: bigint) => value.toString(16).padStart(16, "0");
  const encodedHeaders = HEADER_VALUES.map((kid) =>
    HEADER_VALUES.map((ctr) => toHex(encodeSFrameHeader(big(kid), big(ctr)))),
  );
  const decodedHeaders = rfcHeaders.flat().map((header) => {
    const decoded = decodeSFrameHeader(fromHex(header));
    return decoded.ok ? [hex16(decoded.header.keyId), hex16(decoded.header.counter)] : [decoded.error.reason];
  });

  const kid = big(V.kid);
  const ctr = big(V.ctr);
  const { key, salt } = await deriveSFrameKeyAndSalt(fromHex(V.baseKey), kid);
  const sframeKey = await deriveSFrameKey(fromHex(V.baseKey), kid);
  const ciphertext = await sframeEncrypt(sframeKey, ctr, fromHex(V.metadata), fromHex(V.pt));
  const parsed = parseSFrameCiphertext(fromHex(V.ct));
  if (!parsed.ok) throw new Error(`RFC ciphertext did not parse: ${parsed.reason}`);
  const opened = await sframeOpen(sframeKey, parsed.header, fromHex(V.metadata), fromHex(V.ct));
  const tampered = fromHex(V.ct);
  tampered[10]! ^= 1;
  const tamperedOpened = await sframeOpen(sframeKey, parsed.header, fromHex(V.metadata), tampered);

  const [alice, bob] = await Promise.all([generateIdentity(), generateIdentity()]);
  const aliceToBob = await PairwiseChannel.create(alice, 1, bob.publicKey, 2);
  const bobFromAlice = await PairwiseChannel.create(bob, 2, alice.publicKey, 1);
  const mediaKey = generateMediaKey(5);
  const unwrapped = await bobFromAlice!.unwrap(await aliceToBob!.wrap(mediaKey));
  const [onAlice, onBob] = await Promise.all([
    safetyNumber(alice.publicKey.bytes, bob.publicKey.bytes),
    safetyNumber(bob.publicKey.bytes, alice.publicKey.bytes),
  ]);

  return {
    isSecureContext: globalThis.isSecureContext,
    encodedHeaders,
    decodedHeaders,
    sframeKey: toHex(key),
    sframeSalt: toHex(salt),
    nonce: toHex(sframeNonce(salt, ctr)),
    ciphertext: toHex(ciphertext),
    decrypted: opened.ok ? toHex(opened.plaintext) : opened.reason,
    tamperedOpens: tamperedOpened.ok,
    x25519: await supportsX25519(),
    wrapCurve: aliceToBob!.curve,
    unwrapMatches:
      unwrapped.ok &&
      toHex(unwrapped.mediaKey.bytes) === toHex(mediaKey.bytes) &&
      unwrapped.mediaKey.epoch === 5,
    safetyNumbersMatch: onAlice.digits === onBob.digits && onAlice.digits.length === 60,
  };
}

(globalThis as unknown as { runE2eeChecks: typeof run }).runE2eeChecks = run;
