/**
 * Encrypting and decrypting one SFrame ciphertext (RFC 9605 §4.4.3, §4.4.4):
 *   nonce      = sframe_salt XOR CTR (CTR big-endian, right-aligned in Nn bytes)
 *   AAD        = header || metadata
 *   ciphertext = header || AES-GCM(sframe_key, nonce, AAD, plaintext) (the 16-byte tag at the end)
 * The metadata is what the relay routes on; it travels in clear beside the ciphertext and is
 * authenticated here, so a relay can read it but not change it undetected.
 */
import { concatBytes } from "./bytes.ts";
import {
  decodeSFrameHeader,
  encodeSFrameHeader,
  type SFrameHeader,
  type SFrameHeaderErrorReason,
} from "./sframe-header.ts";
import { AES_128_GCM_SHA256_128, type SFrameKey } from "./sframe-key.ts";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function sframeNonce(salt: Uint8Array, counter: bigint): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(salt);
  if (counter <= MAX_SAFE) {
    // Number arithmetic for every real counter (< 2^53): no BigInt allocations per frame.
    let rest = Number(counter);
    for (let i = nonce.length - 1; i >= 0 && rest !== 0; i--) {
      nonce[i]! ^= rest % 256;
      rest = Math.floor(rest / 256);
    }
    return nonce;
  }
  let rest = counter;
  for (let i = nonce.length - 1; i >= 0 && rest !== 0n; i--) {
    nonce[i]! ^= Number(rest & 0xffn);
    rest >>= 8n;
  }
  return nonce;
}

/** Encrypts one frame. The caller owns counter uniqueness (see `SFrameEncryptor`, which does). */
export async function sframeEncrypt(
  key: SFrameKey,
  counter: bigint,
  metadata: Uint8Array<ArrayBuffer>,
  plaintext: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const header = encodeSFrameHeader(key.keyId, counter);
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: sframeNonce(key.salt, counter), additionalData: concatBytes(header, metadata) },
    key.aesKey,
    plaintext,
  );
  const out = new Uint8Array(header.length + sealed.byteLength);
  out.set(header, 0);
  out.set(new Uint8Array(sealed), header.length);
  return out;
}

export type SFrameParseResult =
  | { ok: true; header: SFrameHeader }
  | { ok: false; reason: SFrameHeaderErrorReason | "too-short" };

/** Reads the header and checks there is room for a tag, before any key is looked up. */
export function parseSFrameCiphertext(ciphertext: Uint8Array): SFrameParseResult {
  const decoded = decodeSFrameHeader(ciphertext);
  if (!decoded.ok) return { ok: false, reason: decoded.error.reason };
  if (ciphertext.length < decoded.header.byteLength + AES_128_GCM_SHA256_128.tagBytes) {
    return { ok: false, reason: "too-short" };
  }
  return { ok: true, header: decoded.header };
}

export type SFrameOpenResult =
  | { ok: true; plaintext: Uint8Array<ArrayBuffer> }
  | { ok: false; reason: "authentication-failed" };

/**
 * Decrypts a ciphertext whose header `parseSFrameCiphertext` read, under the key for its KID.
 * Any failure (wrong key, flipped bit, changed metadata or header) is one typed result.
 */
export async function sframeOpen(
  key: SFrameKey,
  header: SFrameHeader,
  metadata: Uint8Array<ArrayBuffer>,
  ciphertext: Uint8Array<ArrayBuffer>,
): Promise<SFrameOpenResult> {
  if (key.keyId !== header.keyId) return { ok: false, reason: "authentication-failed" };
  const headerBytes = ciphertext.subarray(0, header.byteLength);
  try {
    const plaintext = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: sframeNonce(key.salt, header.counter),
        additionalData: concatBytes(headerBytes, metadata),
      },
      key.aesKey,
      ciphertext.subarray(header.byteLength),
    );
    return { ok: true, plaintext: new Uint8Array(plaintext) };
  } catch {
    // Web Crypto reports a bad tag as an OperationError; that is the only way decrypt fails here.
    return { ok: false, reason: "authentication-failed" };
  }
}
