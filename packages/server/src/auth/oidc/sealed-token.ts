import { EncryptJWT, type JWTPayload, jwtDecrypt } from "jose";

/**
 * Cookies the browser carries but must neither read nor forge: the session and the transient sign-in
 * state. Each is a JWE (`dir` + A256GCM, jose) under a key derived from the server's session secret with
 * HKDF-SHA-256, one key per purpose, so a sign-in state can never be replayed as a session.
 * Encrypted rather than only signed: the name and email inside stay private even to scripts
 * or proxies that see the cookie.
 */
export type SealPurpose = "session" | "oidc-login";

const ISSUER = "videocall";

export class TokenSealer {
  readonly #keys: Map<SealPurpose, Uint8Array>;

  private constructor(keys: Map<SealPurpose, Uint8Array>) {
    this.#keys = keys;
  }

  /** `secret`: the operator's session secret; undefined = a random one, so sessions end with the process. */
  static async create(secret: string | undefined): Promise<TokenSealer> {
    const material =
      secret === undefined ? crypto.getRandomValues(new Uint8Array(32)) : new TextEncoder().encode(secret);
    const base = await crypto.subtle.importKey("raw", material, "HKDF", false, ["deriveBits"]);
    const keys = new Map<SealPurpose, Uint8Array>();
    for (const purpose of ["session", "oidc-login"] as const) {
      const bits = await crypto.subtle.deriveBits(
        {
          name: "HKDF",
          hash: "SHA-256",
          salt: new Uint8Array(0),
          info: new TextEncoder().encode(`videocall ${purpose} v1`),
        },
        base,
        256,
      );
      keys.set(purpose, new Uint8Array(bits));
    }
    return new TokenSealer(keys);
  }

  async seal(purpose: SealPurpose, claims: JWTPayload, lifetimeSeconds: number): Promise<string> {
    return await new EncryptJWT(claims)
      .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
      .setIssuer(ISSUER)
      .setAudience(purpose)
      .setIssuedAt()
      .setExpirationTime(`${lifetimeSeconds}s`)
      .encrypt(this.#key(purpose));
  }

  /** The claims, or undefined for anything forged, tampered with, expired, for another purpose or garbage. */
  async open(purpose: SealPurpose, token: string | undefined): Promise<JWTPayload | undefined> {
    if (!token || token.length > MAX_TOKEN_CHARS) return undefined;
    try {
      const { payload } = await jwtDecrypt(token, this.#key(purpose), {
        issuer: ISSUER,
        audience: purpose,
        keyManagementAlgorithms: ["dir"],
        contentEncryptionAlgorithms: ["A256GCM"],
        requiredClaims: ["exp", "iat"],
      });
      return payload;
    } catch {
      return undefined;
    }
  }

  #key(purpose: SealPurpose): Uint8Array {
    return this.#keys.get(purpose)!;
  }
}

/** Far above a real session (under 1 KiB) and below what a browser keeps per cookie (4 KiB). */
const MAX_TOKEN_CHARS = 4096;
