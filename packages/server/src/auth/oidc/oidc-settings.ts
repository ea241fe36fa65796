/** What the operator configures for sign-in (flags --oidc-*, docs/sign-in.md). */
export interface OidcSettings {
  /** The provider's issuer URL; its discovery document is at `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly clientId: string;
  /** Undefined: a public client (PKCE only, token endpoint auth "none"). */
  readonly clientSecret?: string | undefined;
  /** Registered at the provider; default `<public url>/auth/callback`. */
  readonly redirectUrl?: string | undefined;
  /** Deadline of each request to the provider (discovery, token, userinfo, keys). */
  readonly providerTimeoutMs?: number | undefined;
}

export const DEFAULT_PROVIDER_TIMEOUT_MS = 10_000;
export const OIDC_SCOPES = "openid profile email";

/** Plain http is allowed for a provider on this machine only (development and tests), as RFC 8252 §8.3 does for loopback. */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
