/**
 * A participant's identity for key agreement, made in the browser (or Deno) and never exported:
 * always an ECDH P-256 pair, plus an X25519 pair where `crypto.subtle` has it. Two peers agree
 * over X25519 when both have it and over P-256 otherwise, so old and new browsers still meet.
 * The public half travels as one byte string (the "identity public key"), which is also what the
 * safety number covers.
 *
 * Encoding: version (1) | flags (1: bit 0 = X25519 present) | P-256 uncompressed point (65)
 *           | X25519 public key (32, if flagged).
 */

export type AgreementCurve = "X25519" | "P-256";

const VERSION = 1;
const FLAG_X25519 = 1;
const P256_POINT_BYTES = 65;
const X25519_KEY_BYTES = 32;

export interface IdentityPublicKey {
  /** The encoded form: send this, show its safety number. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly p256: CryptoKey;
  readonly x25519: CryptoKey | undefined;
}

export interface IdentityKeyPair {
  readonly publicKey: IdentityPublicKey;
  readonly p256PrivateKey: CryptoKey;
  readonly x25519PrivateKey: CryptoKey | undefined;
}

let x25519Support: Promise<boolean> | undefined;

/** Whether this runtime's Web Crypto does X25519 (Chromium 133+, Firefox 130+, Safari 17+, Deno). */
export function supportsX25519(): Promise<boolean> {
  x25519Support ??= crypto.subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]).then(
    () => true,
    () => false,
  );
  return x25519Support;
}

export interface GenerateIdentityOptions {
  /** Leave X25519 out even where supported (tests of the P-256 path, or a policy). */
  withoutX25519?: boolean;
}

/** Makes a fresh identity; the private keys are non-extractable. */
export async function generateIdentity(options: GenerateIdentityOptions = {}): Promise<IdentityKeyPair> {
  const useX25519 = !options.withoutX25519 && (await supportsX25519());
  const p256 = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, [
    "deriveBits",
  ])) as CryptoKeyPair;
  const x25519 = useX25519
    ? ((await crypto.subtle.generateKey({ name: "X25519" }, false, ["deriveBits"])) as CryptoKeyPair)
    : undefined;
  const p256Raw = new Uint8Array(await crypto.subtle.exportKey("raw", p256.publicKey));
  const x25519Raw = x25519
    ? new Uint8Array(await crypto.subtle.exportKey("raw", x25519.publicKey))
    : undefined;
  const bytes = new Uint8Array(2 + P256_POINT_BYTES + (x25519Raw ? X25519_KEY_BYTES : 0));
  bytes[0] = VERSION;
  bytes[1] = x25519Raw ? FLAG_X25519 : 0;
  bytes.set(p256Raw, 2);
  if (x25519Raw) bytes.set(x25519Raw, 2 + P256_POINT_BYTES);
  return {
    publicKey: { bytes, p256: p256.publicKey, x25519: x25519?.publicKey },
    p256PrivateKey: p256.privateKey,
    x25519PrivateKey: x25519?.privateKey,
  };
}

export type IdentityDecodeResult =
  | { ok: true; publicKey: IdentityPublicKey }
  | { ok: false; reason: "malformed" | "unsupported-version" | "invalid-point" | "x25519-unsupported" };

/** Reads a peer's identity public key; hostile bytes give a typed result, never an exception. */
export async function decodeIdentityPublicKey(bytes: Uint8Array): Promise<IdentityDecodeResult> {
  if (bytes.length < 2) return { ok: false, reason: "malformed" };
  if (bytes[0] !== VERSION) return { ok: false, reason: "unsupported-version" };
  const flags = bytes[1]!;
  if ((flags & ~FLAG_X25519) !== 0) return { ok: false, reason: "malformed" };
  const hasX25519 = (flags & FLAG_X25519) !== 0;
  if (bytes.length !== 2 + P256_POINT_BYTES + (hasX25519 ? X25519_KEY_BYTES : 0))
    return { ok: false, reason: "malformed" };
  const copy = new Uint8Array(bytes);
  if (!isOnP256(copy.subarray(2, 2 + P256_POINT_BYTES))) return { ok: false, reason: "invalid-point" };
  let p256: CryptoKey;
  try {
    p256 = await crypto.subtle.importKey(
      "raw",
      copy.subarray(2, 2 + P256_POINT_BYTES),
      { name: "ECDH", namedCurve: "P-256" },
      true,
      [],
    );
  } catch {
    return { ok: false, reason: "invalid-point" };
  }
  let x25519: CryptoKey | undefined;
  if (hasX25519) {
    // A peer may have X25519 when we do not: then we simply agree over P-256.
    if (await supportsX25519()) {
      try {
        x25519 = await crypto.subtle.importKey(
          "raw",
          copy.subarray(2 + P256_POINT_BYTES),
          { name: "X25519" },
          true,
          [],
        );
      } catch {
        return { ok: false, reason: "invalid-point" };
      }
    }
  }
  return { ok: true, publicKey: { bytes: copy, p256, x25519 } };
}

// P-256 (SEC 2 §2.4.2): y^2 = x^3 - 3x + b over GF(p).
const P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const P256_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

/**
 * Whether an uncompressed point lies on P-256. Deno 2.9's Web Crypto imports an off-curve point
 * without complaint (only deriveBits fails later); checking here makes the decoder's verdict the
 * same in every runtime and keeps invalid-curve points away from our private key.
 */
export function isOnP256(point: Uint8Array): boolean {
  if (point.length !== P256_POINT_BYTES || point[0] !== 0x04) return false;
  let x = 0n;
  let y = 0n;
  for (let i = 1; i < 33; i++) x = (x << 8n) | BigInt(point[i]!);
  for (let i = 33; i < 65; i++) y = (y << 8n) | BigInt(point[i]!);
  if (x >= P256_P || y >= P256_P) return false;
  const mod = (value: bigint) => ((value % P256_P) + P256_P) % P256_P;
  return mod(y * y) === mod(x * x * x - 3n * x + P256_B);
}

/** The curve two identities agree over. */
export function agreementCurve(own: IdentityKeyPair, peer: IdentityPublicKey): AgreementCurve {
  return own.x25519PrivateKey && peer.x25519 ? "X25519" : "P-256";
}

/**
 * The raw ECDH shared secret (32 bytes) between our private key and a peer's public key, or
 * undefined when the agreement fails or gives all zeros (an X25519 small-order point: RFC 7748 §6.1).
 */
export async function sharedSecret(
  own: IdentityKeyPair,
  peer: IdentityPublicKey,
): Promise<{ curve: AgreementCurve; secret: Uint8Array<ArrayBuffer> } | undefined> {
  const curve = agreementCurve(own, peer);
  try {
    const bits =
      curve === "X25519"
        ? await crypto.subtle.deriveBits({ name: "X25519", public: peer.x25519! }, own.x25519PrivateKey!, 256)
        : await crypto.subtle.deriveBits({ name: "ECDH", public: peer.p256 }, own.p256PrivateKey, 256);
    const secret = new Uint8Array(bits);
    return secret.some((byte) => byte !== 0) ? { curve, secret } : undefined;
  } catch {
    return undefined;
  }
}
