import { parseCookie, type SerializeOptions, stringifySetCookie } from "cookie";
import type { OidcSignIn as UserSignIn } from "../../db/repositories/users.ts";
import type { Logger } from "../../observability/log.ts";
import { isSignInRoute, type MeResponse, NO_STORE_HEADERS, type SignIn } from "../sign-in.ts";
import type { SignedInUser } from "../signed-in-user.ts";
import { displayNameFrom, emailFrom, identityFor } from "./oidc-identity.ts";
import type { OidcSettings } from "./oidc-settings.ts";
import { type LoginState, ProviderClient } from "./provider-client.ts";
import { safeReturnPath } from "./return-path.ts";
import { TokenSealer } from "./sealed-token.ts";
import { SignInError, signInErrorPage } from "./sign-in-error.ts";
import { UsedLoginStates } from "./used-login-states.ts";

/** How long a sign-in lasts: the cookie cannot be revoked before (see docs/sign-in.md), so not weeks. */
export const SESSION_LIFETIME_SECONDS = 24 * 3600;
/** From /auth/login to the callback: time to type a password at the provider. */
export const LOGIN_LIFETIME_SECONDS = 10 * 60;

export interface OidcSignInOptions {
  readonly settings: OidcSettings;
  /** This server's origin as browsers reach it (the public URL); the default redirect URL hangs off it. Read on first use. */
  readonly publicOrigin: string | (() => string);
  /** `--session-secret`; undefined = random per process (sessions end on restart). */
  readonly sessionSecret: string | undefined;
  /** Upserts the user in the database when there is one (db/repositories/users.ts `upsertFromOidc`). */
  readonly recordSignIn?: ((signIn: UserSignIn) => Promise<unknown>) | undefined;
  readonly log: Logger;
}

/**
 * Sign-in through an OpenID Connect provider: authorization code + PKCE + state + nonce (ProviderClient),
 * then a session cookie holding an encrypted JWT (TokenSealer). Implements SignedInUsers for the rest
 * of the server: the session is read from the cookie alone, on any node sharing the session secret, with
 * no database query per request.
 */
export class OidcSignIn implements SignIn {
  readonly configured = true;
  readonly #sealer: TokenSealer;
  readonly #used = new UsedLoginStates();
  readonly #options: OidcSignInOptions;
  #endpoint: Endpoint | undefined;

  private constructor(options: OidcSignInOptions, sealer: TokenSealer) {
    this.#options = options;
    this.#sealer = sealer;
  }

  static async create(options: OidcSignInOptions): Promise<OidcSignIn> {
    return new OidcSignIn(options, await TokenSealer.create(options.sessionSecret));
  }

  get redirectUrl(): string {
    return this.#at.provider.redirectUrl;
  }

  /**
   * Where this server is, worked out on first use: the default redirect URL hangs off the listen URL,
   * which the server knows only once it listens (after it made this object).
   */
  get #at(): Endpoint {
    if (this.#endpoint) return this.#endpoint;
    const { settings, publicOrigin } = this.#options;
    const origin = typeof publicOrigin === "function" ? publicOrigin() : publicOrigin;
    const redirectUrl = settings.redirectUrl ?? `${origin.replace(/\/+$/, "")}/auth/callback`;
    const secure = new URL(redirectUrl).protocol === "https:";
    this.#endpoint = {
      provider: new ProviderClient({ ...settings, redirectUrl }),
      origin: new URL(redirectUrl).origin,
      secure,
      // __Host- binds the session to this exact origin (Secure, Path=/, no Domain): RFC 6265bis §4.1.3.
      sessionCookie: secure ? "__Host-videocall_session" : "videocall_session",
      loginCookie: secure ? "__Secure-videocall_oidc_login" : "videocall_oidc_login",
    };
    return this.#endpoint;
  }

  async userOf(request: Request): Promise<SignedInUser | undefined> {
    const token = cookiesOf(request)[this.#at.sessionCookie];
    const claims = await this.#sealer.open("session", token);
    if (!claims || typeof claims.sub !== "string" || typeof claims.name !== "string") return undefined;
    return {
      identity: claims.sub,
      displayName: claims.name,
      ...(typeof claims.email === "string" ? { email: claims.email } : {}),
    };
  }

  handle(request: Request, url: URL): Promise<Response> | undefined {
    if (!isSignInRoute(url.pathname)) return undefined;
    const method = request.method;
    switch (url.pathname) {
      case "/api/me":
        return method === "GET" || method === "HEAD" ? this.#me(request) : methodNotAllowed("GET");
      case "/auth/login":
        return method === "GET" ? this.#login(url) : methodNotAllowed("GET");
      case "/auth/callback":
        return method === "GET" ? this.#callback(request, url) : methodNotAllowed("GET");
      case "/auth/logout":
        return method === "POST" ? this.#logout(request) : methodNotAllowed("POST");
      default:
        return Promise.resolve(new Response("not found\n", { status: 404, headers: NO_STORE_HEADERS }));
    }
  }

  async #me(request: Request): Promise<Response> {
    const user = await this.userOf(request);
    const body: MeResponse = user
      ? {
          signInConfigured: true,
          signedIn: true,
          identity: user.identity,
          displayName: user.displayName,
          ...(user.email ? { email: user.email } : {}),
        }
      : { signInConfigured: true, signedIn: false };
    return Response.json(body, { headers: NO_STORE_HEADERS });
  }

  async #login(url: URL): Promise<Response> {
    try {
      const { authorizationUrl, login } = await this.#at.provider.beginSignIn();
      const sealed = await this.#sealer.seal(
        "oidc-login",
        {
          st: login.state,
          nn: login.nonce,
          cv: login.codeVerifier,
          ret: safeReturnPath(url.searchParams.get("return")),
        },
        LOGIN_LIFETIME_SECONDS,
      );
      const headers = new Headers({ location: authorizationUrl.href, ...NO_STORE_HEADERS });
      headers.append("set-cookie", this.#setLoginCookie(sealed, LOGIN_LIFETIME_SECONDS));
      return new Response(null, { status: 302, headers });
    } catch (error) {
      return this.#failed(error);
    }
  }

  async #callback(request: Request, url: URL): Promise<Response> {
    try {
      const sealed = await this.#sealer.open("oidc-login", cookiesOf(request)[this.#at.loginCookie]);
      const login = loginStateOf(sealed);
      if (!sealed || !login)
        throw new SignInError("missing_login_state", "no valid sign-in cookie came with the callback");
      const returnPath = safeReturnPath(typeof sealed.ret === "string" ? sealed.ret : undefined);
      if (url.searchParams.get("state") !== login.state)
        throw new SignInError("bad_state", "the callback's state is not this browser's sign-in");
      if (!this.#used.consume(login.state, (sealed.exp ?? 0) * 1000))
        throw new SignInError("replayed", "this callback was handled before");
      const account = await this.#at.provider.completeSignIn(url.searchParams, login);
      const identity = await identityFor(account.issuer, account.subject);
      const displayName = displayNameFrom(account.claims);
      const email = emailFrom(account.claims);
      if (this.#options.recordSignIn) {
        try {
          await this.#options.recordSignIn({ issuer: account.issuer, subject: account.subject, displayName });
        } catch (error) {
          throw new SignInError("account_store_failed", "the user could not be recorded", { cause: error });
        }
      }
      const session = await this.#sealer.seal(
        "session",
        { sub: identity, name: displayName, ...(email ? { email } : {}) },
        SESSION_LIFETIME_SECONDS,
      );
      this.#options.log.info({ identity }, "signed in");
      const headers = new Headers({ location: returnPath, ...NO_STORE_HEADERS });
      headers.append("set-cookie", this.#setSessionCookie(session, SESSION_LIFETIME_SECONDS));
      headers.append("set-cookie", this.#setLoginCookie("", 0));
      return new Response(null, { status: 303, headers });
    } catch (error) {
      const response = this.#failed(error);
      response.headers.append("set-cookie", this.#setLoginCookie("", 0));
      return response;
    }
  }

  #logout(request: Request): Promise<Response> {
    // A cross-site page must not sign people out: SameSite keeps the cookie from such a POST, but the
    // response's Set-Cookie would still apply. Sec-Fetch-Site (every current browser) or else Origin decides.
    const site = request.headers.get("sec-fetch-site");
    const origin = request.headers.get("origin");
    const crossSite = site
      ? site !== "same-origin" && site !== "none"
      : origin !== null && origin !== this.#at.origin;
    if (crossSite) return Promise.resolve(new Response("cross-site sign-out refused\n", { status: 403 }));
    const headers = new Headers(NO_STORE_HEADERS);
    headers.append("set-cookie", this.#setSessionCookie("", 0));
    // A plain form post gets the home page; the web app's fetch gets 204.
    const wantsPage = (request.headers.get("accept") ?? "").includes("text/html");
    if (wantsPage) headers.set("location", "/");
    return Promise.resolve(new Response(null, { status: wantsPage ? 303 : 204, headers }));
  }

  #failed(error: unknown): Response {
    const failure =
      error instanceof SignInError
        ? error
        : new SignInError("invalid_provider_response", String(error), { cause: error });
    this.#options.log.warn({ reason: failure.reason, err: failure.message }, "sign-in failed");
    return signInErrorPage(failure);
  }

  #setSessionCookie(value: string, maxAgeSeconds: number): string {
    return stringifySetCookie(this.#at.sessionCookie, value, this.#cookieOptions("/", maxAgeSeconds));
  }

  #setLoginCookie(value: string, maxAgeSeconds: number): string {
    return stringifySetCookie(
      this.#at.loginCookie,
      value,
      this.#cookieOptions("/auth/callback", maxAgeSeconds),
    );
  }

  #cookieOptions(path: string, maxAgeSeconds: number): SerializeOptions {
    // Lax, not Strict: the provider's redirect back is a cross-site top-level navigation that must carry it.
    return { httpOnly: true, sameSite: "lax", secure: this.#at.secure, path, maxAge: maxAgeSeconds };
  }
}

interface Endpoint {
  readonly provider: ProviderClient;
  readonly origin: string;
  readonly secure: boolean;
  readonly sessionCookie: string;
  readonly loginCookie: string;
}

function cookiesOf(request: Request): Record<string, string | undefined> {
  const header = request.headers.get("cookie");
  if (!header || header.length > MAX_COOKIE_HEADER_CHARS) return {};
  try {
    return parseCookie(header);
  } catch {
    return {};
  }
}

const MAX_COOKIE_HEADER_CHARS = 16 * 1024;

function loginStateOf(claims: Record<string, unknown> | undefined): LoginState | undefined {
  if (!claims) return undefined;
  const { st, nn, cv } = claims;
  if (typeof st !== "string" || typeof nn !== "string" || typeof cv !== "string") return undefined;
  return { state: st, nonce: nn, codeVerifier: cv };
}

function methodNotAllowed(allow: string): Promise<Response> {
  return Promise.resolve(new Response("method not allowed\n", { status: 405, headers: { allow } }));
}
