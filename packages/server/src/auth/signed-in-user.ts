/** A person who signed in through the OpenID Connect provider, as the server's session cookie says. */
export interface SignedInUser {
  /**
   * Stable across sign-ins: `oidc:<issuer tag>:<sub>`, the tag being 10 base64url characters of SHA-256(issuer),
   * so two issuers never share an identity (docs/sign-in.md; auth/oidc/oidc-identity.ts).
   */
  readonly identity: string;
  readonly displayName: string;
  readonly email?: string | undefined;
}

/**
 * Reads the session cookie of an HTTP request. The OIDC sign-in implements it; without OIDC
 * configuration nobody is signed in and the server runs in open guest mode.
 */
export interface SignedInUsers {
  userOf(request: Request): Promise<SignedInUser | undefined>;
}

export const NOBODY_SIGNED_IN: SignedInUsers = { userOf: () => Promise.resolve(undefined) };
