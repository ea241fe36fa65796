/**
 * Sign-in, from the server's side (real server process, no browser): open guest mode without
 * configuration, forged and expired session cookies, bad and missing sign-in state, hostile providers
 * (garbage, a hang past the deadline, a huge body, forged and mismatched ID tokens), cross-site sign-out,
 * and the --oidc-* flags. The real sign-in in Chromium is test/e2e/sign-in.test.ts.
 */
import { ok, strictEqual } from "node:assert/strict";
import { TokenSealer } from "../../packages/server/src/auth/oidc/sealed-token.ts";
import {
  type ScriptedOidcProvider,
  startScriptedOidcProvider,
  type TokenAnswer,
} from "../fixtures/scripted-oidc-provider.ts";
import { startServer, type TestServer } from "../fixtures/server.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const SESSION_SECRET = "integration sign-in test session secret, 32+ chars";
const PROVIDER_TIMEOUT_MS = 1500;

async function me(server: TestServer, cookie?: string) {
  const response = await fetch(`${server.url}/api/me`, { headers: cookie ? { cookie } : {} });
  strictEqual(response.headers.get("cache-control"), "no-store");
  return await response.json();
}

/** GET /auth/login as a browser would: the provider's authorization URL and the sign-in cookie. */
async function beginLogin(server: TestServer, returnPath = "/") {
  const response = await fetch(`${server.url}/auth/login?return=${encodeURIComponent(returnPath)}`, {
    redirect: "manual",
  });
  strictEqual(response.status, 302, await response.clone().text());
  const location = new URL(response.headers.get("location")!);
  const setCookie = response.headers.get("set-cookie") ?? "";
  ok(
    /HttpOnly/i.test(setCookie) && /SameSite=Lax/i.test(setCookie) && /Path=\/auth\/callback/.test(setCookie),
    setCookie,
  );
  return { location, cookie: setCookie.split(";")[0]! };
}

async function callback(server: TestServer, query: string, cookie?: string) {
  const response = await fetch(`${server.url}/auth/callback?${query}`, {
    headers: cookie ? { cookie } : {},
    redirect: "manual",
  });
  const body = await response.text();
  return {
    status: response.status,
    body,
    headers: response.headers,
    reason: /data-sign-in-error="([a-z_]+)"/.exec(body)?.[1],
  };
}

Deno.test(
  "without OIDC configuration nobody signs in and /api/me says sign-in is not configured",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    try {
      const body = await me(server);
      strictEqual(body.signInConfigured, false);
      strictEqual(body.signedIn, false);
      strictEqual((await fetch(`${server.url}/auth/login`)).status, 404);
      strictEqual((await fetch(`${server.url}/healthz`)).status, 200);
    } finally {
      await server.stop();
    }
  },
);

async function withScriptedProvider(
  run: (provider: ScriptedOidcProvider, server: TestServer) => Promise<void>,
  extraArgs: string[] = [],
): Promise<void> {
  const provider = await startScriptedOidcProvider();
  let server: TestServer | undefined;
  try {
    server = await startServer({
      extraArgs: [
        ...provider.serverArgs(),
        "--session-secret",
        SESSION_SECRET,
        "--oidc-timeout-ms",
        String(PROVIDER_TIMEOUT_MS),
        "--no-webtransport",
        ...extraArgs,
      ],
    });
    await run(provider, server);
  } catch (error) {
    throw new Error(`${(error as Error).stack}\n--- server:\n${server?.output()}`);
  } finally {
    await server?.stop();
    await provider.stop();
  }
}

/** A sign-in up to the callback, with the provider answering the code exchange as `answer`. */
async function signInWith(provider: ScriptedOidcProvider, server: TestServer, answer: TokenAnswer) {
  provider.tokenAnswer = answer;
  const login = await beginLogin(server, "/meeting/a/b");
  provider.nonce = login.location.searchParams.get("nonce")!;
  const state = login.location.searchParams.get("state")!;
  return await callback(server, `code=the-code&state=${encodeURIComponent(state)}`, login.cookie);
}

Deno.test(
  "the authorization request carries PKCE (S256), state and nonce; a valid answer signs in",
  TEST_OPTIONS,
  async () => {
    await withScriptedProvider(async (provider, server) => {
      const login = await beginLogin(server);
      const parameters = login.location.searchParams;
      strictEqual(login.location.origin, provider.issuer);
      strictEqual(parameters.get("response_type"), "code");
      strictEqual(parameters.get("code_challenge_method"), "S256");
      ok((parameters.get("code_challenge") ?? "").length >= 43);
      ok((parameters.get("state") ?? "").length >= 22);
      ok((parameters.get("nonce") ?? "").length >= 22);
      strictEqual(parameters.get("redirect_uri"), `${server.url}/auth/callback`);
      strictEqual(parameters.get("scope"), "openid profile email");

      const signedIn = await signInWith(provider, server, "valid");
      strictEqual(signedIn.status, 303, signedIn.body);
      strictEqual(signedIn.headers.get("location"), "/meeting/a/b");
      const session = signedIn.headers.getSetCookie().find((c) => c.startsWith("videocall_session="))!;
      ok(/HttpOnly/i.test(session) && /SameSite=Lax/i.test(session) && /Path=\//.test(session), session);
      ok(!/Secure/i.test(session), "plain http: no Secure attribute (a browser would drop the cookie)");
      const body = await me(server, session.split(";")[0]);
      strictEqual(body.signedIn, true);
      strictEqual(body.displayName, "Scripted Person");
      ok(/^oidc:[A-Za-z0-9_-]{10}:scripted-sub$/.test(body.identity), body.identity);
    });
  },
);

Deno.test(
  "a session made on one node is signed in on another with the same secret, not on one without it",
  TEST_OPTIONS,
  async () => {
    await withScriptedProvider(async (provider, nodeA) => {
      const signedIn = await signInWith(provider, nodeA, "valid");
      const session = signedIn.headers
        .getSetCookie()
        .find((c) => c.startsWith("videocall_session="))!
        .split(";")[0]!;
      const sameSecret = await startServer({
        extraArgs: [...provider.serverArgs(), "--session-secret", SESSION_SECRET, "--no-webtransport"],
      });
      const ownSecret = await startServer({ extraArgs: [...provider.serverArgs(), "--no-webtransport"] });
      try {
        const onB = await me(sameSecret, session);
        strictEqual(onB.signedIn, true);
        strictEqual(onB.identity, (await me(nodeA, session)).identity);
        strictEqual((await me(ownSecret, session)).signedIn, false, "a random per-process secret");
        ok(ownSecret.output().includes("no --session-secret"), "the server warns about it");
      } finally {
        await sameSecret.stop();
        await ownSecret.stop();
      }
    });
  },
);

Deno.test(
  "forged, tampered, foreign and expired session cookies are not signed in",
  TEST_OPTIONS,
  async () => {
    await withScriptedProvider(async (_provider, server) => {
      const sealer = await TokenSealer.create(SESSION_SECRET);
      const claims = { sub: "oidc:tag:someone", name: "Someone" };
      // The control: a cookie sealed with the server's secret is accepted, so the refusals below mean something.
      const genuine = await sealer.seal("session", claims, 60);
      strictEqual((await me(server, `videocall_session=${genuine}`)).signedIn, true);

      const foreign = await (
        await TokenSealer.create("another secret of at least thirty-two characters")
      ).seal("session", claims, 60);
      const expired = await sealer.seal("session", claims, -300);
      const loginStateAsSession = await sealer.seal("oidc-login", claims, 60);
      const tampered = genuine.slice(0, -6) + (genuine.endsWith("AAAAAA") ? "BBBBBB" : "AAAAAA");
      const unsigned = `${btoa(JSON.stringify({ alg: "none" }))}.${btoa(JSON.stringify(claims))}.`;
      for (const [what, value] of [
        ["another server's secret", foreign],
        ["expired", expired],
        ["a sign-in state cookie", loginStateAsSession],
        ["tampered", tampered],
        ["an unsigned JWT", unsigned],
        ["garbage", "%%%not-a-token"],
        ["huge", "x".repeat(8000)],
      ] as const) {
        const body = await me(server, `videocall_session=${value}`);
        strictEqual(body.signedIn, false, what);
        strictEqual(body.signInConfigured, true);
      }
    });
  },
);

Deno.test(
  "a callback with a bad, missing or refused state gets the error page, never a session",
  TEST_OPTIONS,
  async () => {
    await withScriptedProvider(async (provider, server) => {
      const login = await beginLogin(server);
      const state = login.location.searchParams.get("state")!;

      const wrongState = await callback(server, "code=c&state=someone-elses-state", login.cookie);
      strictEqual(wrongState.status, 400);
      strictEqual(wrongState.reason, "bad_state");
      ok(wrongState.headers.get("content-type")?.startsWith("text/html"));

      const noCookie = await callback(server, `code=c&state=${state}`);
      strictEqual(noCookie.status, 400);
      strictEqual(noCookie.reason, "missing_login_state");

      const forgedCookie = await callback(
        server,
        `code=c&state=${state}`,
        `videocall_oidc_login=${"e".repeat(300)}`,
      );
      strictEqual(forgedCookie.reason, "missing_login_state");

      const again = await beginLogin(server);
      const denied = await callback(
        server,
        `error=access_denied&error_description=${encodeURIComponent("<script>alert(1)</script>")}&state=${again.location.searchParams.get("state")}`,
        again.cookie,
      );
      strictEqual(denied.status, 400);
      strictEqual(denied.reason, "provider_refused");
      ok(!denied.body.includes("<script>"), "provider text is never echoed unescaped");

      for (const response of [wrongState, noCookie, forgedCookie, denied]) {
        ok(
          !response.headers
            .getSetCookie()
            .some((c) => c.startsWith("videocall_session=") && !/Max-Age=0/.test(c)),
        );
      }
      strictEqual(provider.tokenRequests, 0, "the provider's token endpoint was never asked");
    });
  },
);

Deno.test(
  "a provider answering garbage, hanging, flooding or forging ID tokens gets the error page; the server lives on",
  TEST_OPTIONS,
  async () => {
    await withScriptedProvider(async (provider, server) => {
      const cases: Array<[TokenAnswer, number, string]> = [
        ["garbage", 502, "invalid_provider_response"],
        ["huge", 502, "invalid_provider_response"],
        ["huge-chunked", 502, "invalid_provider_response"],
        ["forged-signature", 502, "invalid_provider_response"],
        ["wrong-nonce", 502, "invalid_provider_response"],
        ["wrong-audience", 502, "invalid_provider_response"],
        ["invalid-grant", 400, "provider_refused"],
      ];
      for (const [answer, status, reason] of cases) {
        const result = await signInWith(provider, server, answer);
        strictEqual(result.status, status, `${answer}: ${result.body}`);
        strictEqual(result.reason, reason, answer);
      }
      const startedMs = performance.now();
      const hung = await signInWith(provider, server, "hang");
      const elapsedMs = performance.now() - startedMs;
      strictEqual(hung.status, 504, hung.body);
      strictEqual(hung.reason, "provider_timeout");
      // Loose bound on purpose (shared 2-core machine): the deadline ended it, not the provider.
      ok(elapsedMs < 20_000, `the callback answered after ${Math.round(elapsedMs)} ms`);
      strictEqual((await fetch(`${server.url}/healthz`)).status, 200);
      const valid = await signInWith(provider, server, "valid");
      strictEqual(valid.status, 303, "a good answer still signs in afterwards");
    });
  },
);

Deno.test(
  "a provider whose discovery is garbage or names another issuer: the sign-in shows the error page",
  TEST_OPTIONS,
  async () => {
    await withScriptedProvider(async (provider, server) => {
      provider.discoveryAnswer = "garbage";
      const garbage = await fetch(`${server.url}/auth/login`, { redirect: "manual" });
      strictEqual(garbage.status, 502);
      ok((await garbage.text()).includes('data-sign-in-error="invalid_provider_response"'));
    });
    await withScriptedProvider(async (provider, server) => {
      provider.discoveryAnswer = "wrong-issuer";
      const wrong = await fetch(`${server.url}/auth/login`, { redirect: "manual" });
      strictEqual(wrong.status, 502);
      ok((await wrong.text()).includes('data-sign-in-error="invalid_provider_response"'));
    });
  },
);

Deno.test("an unreachable provider gets the error page", TEST_OPTIONS, async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const server = await startServer({
    extraArgs: [
      "--oidc-issuer",
      `http://127.0.0.1:${closedPort}`,
      "--oidc-client-id",
      "x",
      "--no-webtransport",
    ],
  });
  try {
    const response = await fetch(`${server.url}/auth/login`, { redirect: "manual" });
    strictEqual(response.status, 502);
    ok((await response.text()).includes('data-sign-in-error="provider_unreachable"'));
  } finally {
    await server.stop();
  }
});

Deno.test("sign-out clears the session; a cross-site sign-out is refused", TEST_OPTIONS, async () => {
  await withScriptedProvider(async (_provider, server) => {
    const crossSite = await fetch(`${server.url}/auth/logout`, {
      method: "POST",
      headers: { "sec-fetch-site": "cross-site", origin: "https://evil.example" },
    });
    strictEqual(crossSite.status, 403);
    strictEqual(crossSite.headers.getSetCookie().length, 0);
    const otherOrigin = await fetch(`${server.url}/auth/logout`, {
      method: "POST",
      headers: { origin: "https://evil.example" },
    });
    strictEqual(otherOrigin.status, 403);
    const sameOrigin = await fetch(`${server.url}/auth/logout`, {
      method: "POST",
      headers: { "sec-fetch-site": "same-origin", origin: server.url },
    });
    strictEqual(sameOrigin.status, 204);
    ok(
      sameOrigin.headers
        .getSetCookie()
        .some((c) => c.startsWith("videocall_session=;") && /Max-Age=0/.test(c)),
    );
    strictEqual((await fetch(`${server.url}/auth/logout`)).status, 405);
  });
});

async function runServerExpectingUsageError(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--config",
      new URL("../../deno.json", import.meta.url).pathname,
      "--unstable-net",
      "-A",
      new URL("../../packages/server/src/main.ts", import.meta.url).pathname,
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      ...args,
    ],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

Deno.test("bad sign-in flags exit 2 with a message naming the flag", async () => {
  const cases: Array<[string[], Record<string, string>, string]> = [
    [["--oidc-client-id", "x"], {}, "need --oidc-issuer"],
    [["--oidc-issuer", "https://id.example"], {}, "--oidc-issuer needs --oidc-client-id"],
    [["--oidc-issuer", "http://id.example", "--oidc-client-id", "x"], {}, "--oidc-issuer must be https"],
    [["--oidc-issuer", "not a url", "--oidc-client-id", "x"], {}, "--oidc-issuer must be a URL"],
    [["--session-secret", "short"], {}, "--session-secret must be at least 32 characters"],
    [[], { VIDEOCALL_SESSION_SECRET: "short" }, "--session-secret must be at least 32 characters"],
    [[], { OIDC_ISSUER: "https://id.example" }, "--oidc-issuer needs --oidc-client-id"],
  ];
  for (const [args, env, message] of cases) {
    const result = await runServerExpectingUsageError(args, env);
    strictEqual(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    ok(result.stderr.includes(message), result.stderr);
  }
});
