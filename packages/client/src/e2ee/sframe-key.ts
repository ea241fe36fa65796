/**
 * SFrame key and salt derivation (RFC 9605 §4.4.2) for cipher suite AES_128_GCM_SHA256_128:
 *   sframe_secret = HKDF-Extract("", base_key)
 *   sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  + KID(8 B BE) + suite(2 B BE), Nk)
 *   sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " + KID(8 B BE) + suite(2 B BE), Nn)
 * Web Crypto's HKDF is Extract then Expand in one call, with the label as `info` and an empty salt
 * (RFC 5869: an empty salt and HashLen zero bytes give the same HMAC key), which is exactly this.
 * Appendix C.3 pins these bytes (labels, key, salt), and our test checks them. The RFC errata list
 * could not be read from here; the one known "corrected definition" concerns the MLS KID of §5.2.
 */
import { bigEndianBytes, concatBytes, uint16BigEndian, utf8 } from "./bytes.ts";

/** The one cipher suite we use: AES_128_GCM_SHA256_128 (IANA "SFrame Cipher Suites" 0x0004). */
export const AES_128_GCM_SHA256_128 = {
  id: 0x0004,
  hash: "SHA-256",
  /** Key bytes (AEAD.Nk). */
  keyBytes: 16,
  /** Nonce bytes (AEAD.Nn). */
  nonceBytes: 12,
  /** Tag bytes (AEAD.Nt): the ciphertext is this much longer than the plaintext. */
  tagBytes: 16,
} as const;

const suite = AES_128_GCM_SHA256_128;

export function sframeKeyLabel(keyId: bigint): Uint8Array<ArrayBuffer> {
  return concatBytes(utf8("SFrame 1.0 Secret key "), bigEndianBytes(keyId, 8), uint16BigEndian(suite.id));
}

export function sframeSaltLabel(keyId: bigint): Uint8Array<ArrayBuffer> {
  return concatBytes(utf8("SFrame 1.0 Secret salt "), bigEndianBytes(keyId, 8), uint16BigEndian(suite.id));
}

/** A base_key as Web Crypto HKDF input: raw bytes, or a non-extractable HKDF key that holds them. */
export type BaseKey = Uint8Array<ArrayBuffer> | CryptoKey;

export async function importBaseKey(bytes: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return await crypto.subtle.importKey("raw", bytes, "HKDF", false, ["deriveBits", "deriveKey"]);
}

async function hkdf(
  baseKey: BaseKey,
  info: Uint8Array<ArrayBuffer>,
  byteLength: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = baseKey instanceof Uint8Array ? await importBaseKey(baseKey) : baseKey;
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: suite.hash, salt: new Uint8Array(0), info },
    key,
    byteLength * 8,
  );
  return new Uint8Array(bits);
}

/** The raw sframe_key and sframe_salt (for the test vectors; product code uses `deriveSFrameKey`). */
export async function deriveSFrameKeyAndSalt(
  baseKey: BaseKey,
  keyId: bigint,
): Promise<{ key: Uint8Array<ArrayBuffer>; salt: Uint8Array<ArrayBuffer> }> {
  const [key, salt] = await Promise.all([
    hkdf(baseKey, sframeKeyLabel(keyId), suite.keyBytes),
    hkdf(baseKey, sframeSaltLabel(keyId), suite.nonceBytes),
  ]);
  return { key, salt };
}

/** What encrypting or decrypting under one KID needs; the AES key cannot be exported. */
export interface SFrameKey {
  readonly keyId: bigint;
  readonly aesKey: CryptoKey;
  readonly salt: Uint8Array<ArrayBuffer>;
}

export async function deriveSFrameKey(baseKey: BaseKey, keyId: bigint): Promise<SFrameKey> {
  const { key, salt } = await deriveSFrameKeyAndSalt(baseKey, keyId);
  const aesKey = await crypto.subtle.importKey("raw", key, { name: "AES-GCM" }, false, [
    "encrypt",
    "decrypt",
  ]);
  key.fill(0);
  return { keyId, aesKey, salt };
}
