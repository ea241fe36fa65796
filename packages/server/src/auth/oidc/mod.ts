export { DEFAULT_PROVIDER_TIMEOUT_MS, isLoopbackUrl, type OidcSettings } from "./oidc-settings.ts";
export { OidcSignIn, type OidcSignInOptions, SESSION_LIFETIME_SECONDS } from "./oidc-sign-in.ts";
export { SignInError, type SignInFailure } from "./sign-in-error.ts";
