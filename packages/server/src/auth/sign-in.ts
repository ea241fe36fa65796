import type { SignedInUsers } from "./signed-in-user.ts";

/**
 * The sign-in routes (`/auth/*`, `GET /api/me`) and the session cookie's reader. OIDC implements it when
 * configured; otherwise NO_SIGN_IN answers that sign-in is not set up and nobody is signed in.
 */
export interface SignIn extends SignedInUsers {
  readonly configured: boolean;
  /** The response for a sign-in route, or undefined when `url` is none of them. */
  handle(request: Request, url: URL): Promise<Response> | undefined;
}

/** GET /api/me's body. */
export interface MeResponse {
  signInConfigured: boolean;
  signedIn: boolean;
  identity?: string;
  displayName?: string;
  email?: string;
}

export const NO_STORE_HEADERS = { "cache-control": "no-store" } as const;

export function isSignInRoute(pathname: string): boolean {
  return pathname === "/api/me" || pathname === "/auth" || pathname.startsWith("/auth/");
}

/** Open guest mode: nobody signs in, and /api/me says so. */
export const NO_SIGN_IN: SignIn = {
  configured: false,
  userOf: () => Promise.resolve(undefined),
  handle(request, url) {
    if (!isSignInRoute(url.pathname)) return undefined;
    if (url.pathname === "/api/me" && (request.method === "GET" || request.method === "HEAD")) {
      const body: MeResponse = { signInConfigured: false, signedIn: false };
      return Promise.resolve(Response.json(body, { headers: NO_STORE_HEADERS }));
    }
    return Promise.resolve(
      new Response("sign-in is not configured on this server\n", {
        status: 404,
        headers: { "content-type": "text/plain; charset=utf-8", ...NO_STORE_HEADERS },
      }),
    );
  },
};
