/** A person who signed in through the OpenID Connect provider, as the server's session cookie says. */
export interface SignedInUser {
  /** Stable across sign-ins: `oidc:<subject>` of the configured issuer (the users table's id). */
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
