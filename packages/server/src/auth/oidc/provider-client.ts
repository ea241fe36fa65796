import * as oauth from "oauth4webapi";
import { limitedFetch, ResponseTooLargeError } from "./limited-fetch.ts";
import type { ProfileClaims } from "./oidc-identity.ts";
import {
  DEFAULT_PROVIDER_TIMEOUT_MS,
  isLoopbackUrl,
  OIDC_SCOPES,
  type OidcSettings,
} from "./oidc-settings.ts";
import { SignInError } from "./sign-in-error.ts";

/** What the browser must bring back to the callback: kept in the sealed, short-lived login cookie. */
export interface LoginState {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/** The person the provider vouched for, after every check of the ID token. */
export interface VerifiedAccount {
  readonly issuer: string;
  readonly subject: string;
  readonly claims: ProfileClaims;
}

/** How long a failed discovery is remembered, so a dead provider is not asked again on every click. */
const DISCOVERY_RETRY_MS = 5_000;

/**
 * The OpenID Connect relying party (oauth4webapi): discovery from the issuer, the authorization URL with
 * PKCE (S256), state and nonce, and the code exchange with its ID token checks. Every request to the
 * provider has a deadline and a body-size cap; every failure becomes a SignInError.
 */
export class ProviderClient {
  readonly #issuer: URL;
  readonly #client: oauth.Client;
  readonly #clientSecret: string | undefined;
  readonly #redirectUrl: string;
  readonly #timeoutMs: number;
  readonly #insecure: boolean;
  #discovery: Promise<oauth.AuthorizationServer> | undefined;
  #discoveryFailedAtMs = 0;

  constructor(settings: OidcSettings & { redirectUrl: string }) {
    this.#issuer = new URL(settings.issuer);
    this.#client = { client_id: settings.clientId };
    this.#clientSecret = settings.clientSecret;
    this.#redirectUrl = settings.redirectUrl;
    this.#timeoutMs = settings.providerTimeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS;
    this.#insecure = this.#issuer.protocol === "http:" && isLoopbackUrl(this.#issuer);
  }

  get redirectUrl(): string {
    return this.#redirectUrl;
  }

  /** Where to send the browser, and what its callback must match. */
  async beginSignIn(): Promise<{ authorizationUrl: URL; login: LoginState }> {
    const as = await this.#metadata();
    if (!as.authorization_endpoint)
      throw new SignInError(
        "invalid_provider_response",
        "the provider's metadata has no authorization_endpoint",
      );
    const login: LoginState = {
      state: oauth.generateRandomState(),
      nonce: oauth.generateRandomNonce(),
      codeVerifier: oauth.generateRandomCodeVerifier(),
    };
    const url = new URL(as.authorization_endpoint);
    url.searchParams.set("client_id", this.#client.client_id);
    url.searchParams.set("redirect_uri", this.#redirectUrl);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("scope", OIDC_SCOPES);
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(login.codeVerifier));
    url.searchParams.set("code_challenge_method", "S256");
    url.searchParams.set("state", login.state);
    url.searchParams.set("nonce", login.nonce);
    return { authorizationUrl: url, login };
  }

  /** Checks the callback's parameters against `login`, redeems the code and verifies the ID token. */
  async completeSignIn(callbackParameters: URLSearchParams, login: LoginState): Promise<VerifiedAccount> {
    const as = await this.#metadata();
    let parameters: URLSearchParams;
    try {
      parameters = oauth.validateAuthResponse(as, this.#client, callbackParameters, login.state);
    } catch (error) {
      if (error instanceof oauth.AuthorizationResponseError)
        throw new SignInError("provider_refused", `the provider answered ${error.error}`, { cause: error });
      throw new SignInError("bad_state", "the callback's state or issuer does not match the sign-in", {
        cause: error,
      });
    }
    return await this.#call(async (options) => {
      const tokenResponse = await oauth.authorizationCodeGrantRequest(
        as,
        this.#client,
        this.#clientAuth(as),
        parameters,
        this.#redirectUrl,
        login.codeVerifier,
        options,
      );
      const result = await oauth.processAuthorizationCodeResponse(as, this.#client, tokenResponse, {
        expectedNonce: login.nonce,
        requireIdToken: true,
      });
      // Over TLS the channel vouches for the ID token (OpenID Connect Core §3.1.3.7); its signature is
      // checked as well, so a plain-http development provider or a compromised proxy cannot forge one.
      if (as.jwks_uri) await oauth.validateApplicationLevelSignature(as, tokenResponse, options);
      const idToken = oauth.getValidatedIdTokenClaims(result);
      if (!idToken) throw new SignInError("invalid_provider_response", "the token response has no ID token");
      let claims: ProfileClaims = idToken;
      // Many providers put the profile only in userinfo for the code flow (oidc-provider's default).
      if (!hasProfile(idToken) && as.userinfo_endpoint && result.access_token) {
        const userInfoResponse = await oauth.userInfoRequest(as, this.#client, result.access_token, options);
        const userInfo = await oauth.processUserInfoResponse(as, this.#client, idToken.sub, userInfoResponse);
        claims = { ...idToken, ...userInfo };
      }
      return { issuer: idToken.iss, subject: idToken.sub, claims };
    });
  }

  #clientAuth(as: oauth.AuthorizationServer): oauth.ClientAuth {
    if (this.#clientSecret === undefined) return oauth.None();
    const methods = as.token_endpoint_auth_methods_supported;
    // The spec's default is client_secret_basic; use post only where the provider offers post alone.
    if (methods && !methods.includes("client_secret_basic") && methods.includes("client_secret_post"))
      return oauth.ClientSecretPost(this.#clientSecret);
    return oauth.ClientSecretBasic(this.#clientSecret);
  }

  /** Discovery once, cached; a failure is remembered briefly, then retried (the provider may come up later). */
  #metadata(): Promise<oauth.AuthorizationServer> {
    if (
      this.#discovery &&
      !(this.#discoveryFailedAtMs && Date.now() - this.#discoveryFailedAtMs > DISCOVERY_RETRY_MS)
    )
      return this.#discovery;
    this.#discoveryFailedAtMs = 0;
    const discovery = this.#call(async (options) => {
      const response = await oauth.discoveryRequest(this.#issuer, { ...options, algorithm: "oidc" });
      return await oauth.processDiscoveryResponse(this.#issuer, response);
    });
    discovery.catch(() => {
      this.#discoveryFailedAtMs = Date.now();
    });
    this.#discovery = discovery;
    return discovery;
  }

  /** Runs requests to the provider under one deadline and turns every failure into a SignInError. */
  async #call<T>(work: (options: ProviderRequestOptions) => Promise<T>): Promise<T> {
    const options: ProviderRequestOptions = {
      signal: AbortSignal.timeout(this.#timeoutMs),
      [oauth.customFetch]: limitedFetch,
      ...(this.#insecure ? { [oauth.allowInsecureRequests]: true } : {}),
    };
    try {
      return await work(options);
    } catch (error) {
      throw asSignInError(error, this.#timeoutMs);
    }
  }
}

type ProviderRequestOptions = {
  signal: AbortSignal;
  [oauth.customFetch]: typeof limitedFetch;
  [oauth.allowInsecureRequests]?: boolean;
};

function hasProfile(claims: ProfileClaims): boolean {
  return [claims.name, claims.preferred_username, claims.email].some(
    (c) => typeof c === "string" && c.trim(),
  );
}

function asSignInError(error: unknown, timeoutMs: number): SignInError {
  if (error instanceof SignInError) return error;
  if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError"))
    return new SignInError("provider_timeout", `the provider did not answer within ${timeoutMs} ms`, {
      cause: error,
    });
  if (error instanceof oauth.ResponseBodyError) {
    // invalid_grant: the code was used already, expired, or was not issued for this verifier.
    return new SignInError("provider_refused", `the provider refused the code: ${error.error}`, {
      cause: error,
    });
  }
  if (error instanceof ResponseTooLargeError)
    return new SignInError("invalid_provider_response", error.message, { cause: error });
  if (error instanceof TypeError && !(error as { code?: string }).code)
    return new SignInError("provider_unreachable", `the provider could not be reached: ${error.message}`, {
      cause: error,
    });
  const message = error instanceof Error ? error.message : String(error);
  return new SignInError("invalid_provider_response", `the provider's answer was refused: ${message}`, {
    cause: error,
  });
}
