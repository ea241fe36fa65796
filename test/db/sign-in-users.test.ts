/**
 * A sign-in records the user (users.upsertFromOidc) when the server has a database, on PGlite and on real
 * PostgreSQL; a database that fails makes the sign-in fail with the error page, never a half sign-in.
 * The relay runs in process here (startServer) so the test can hand it the database; the provider is
 * the scripted one (test/fixtures/scripted-oidc-provider.ts) answering a valid code exchange.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { openDatabase, repositoriesFor } from "../../packages/server/src/db/mod.ts";
import { type RunningServer, startServer } from "../../packages/server/src/server.ts";
import { type ScriptedOidcProvider, startScriptedOidcProvider } from "../fixtures/scripted-oidc-provider.ts";
import { testOnEachBackend } from "./backends.ts";

const WEB_ROOT = fileURLToPath(new URL("../../packages/web/dist", import.meta.url));
const SESSION_SECRET = "database sign-in test session secret, 32+ chars";

async function startSignInServer(
  provider: ScriptedOidcProvider,
  options: Pick<Parameters<typeof startServer>[0], "recordSignIn" | "database">,
): Promise<RunningServer> {
  return await startServer({
    ...options,
    hostname: "127.0.0.1",
    port: 0,
    webRoot: WEB_ROOT,
    heartbeatTimeoutMs: 15_000,
    webTransportPort: false,
    oidc: { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret },
    sessionSecret: SESSION_SECRET,
  });
}

/** /auth/login then the callback, as a browser would; returns the callback's response. */
async function signIn(server: RunningServer, provider: ScriptedOidcProvider): Promise<Response> {
  const login = await fetch(`${server.url}/auth/login`, { redirect: "manual" });
  await login.body?.cancel();
  const location = new URL(login.headers.get("location")!);
  provider.nonce = location.searchParams.get("nonce")!;
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const state = location.searchParams.get("state")!;
  return await fetch(`${server.url}/auth/callback?code=c&state=${encodeURIComponent(state)}`, {
    headers: { cookie },
    redirect: "manual",
  });
}

testOnEachBackend(
  "a sign-in upserts the user, and SignedInUsers reads the session it set",
  async (_t, harness) => {
    const database = openDatabase(await harness.emptyDatabase());
    const db = await database.ready;
    const provider = await startScriptedOidcProvider();
    const users = repositoriesFor(db).users;
    // The server's own wiring: its database, and the default recordSignIn (users.upsertFromOidc).
    const server = await startSignInServer(provider, { database });
    try {
      const first = await signIn(server, provider);
      await first.body?.cancel();
      assert.equal(first.status, 303);
      const user = await users.findByOidc(provider.issuer, "scripted-sub");
      assert.ok(user, "the user was recorded");
      assert.equal(user.displayName, "Scripted Person");

      const second = await signIn(server, provider);
      await second.body?.cancel();
      assert.equal(second.status, 303);
      const again = await users.findByOidc(provider.issuer, "scripted-sub");
      assert.equal(again?.id, user.id, "signing in again is the same user");
      assert.ok(again.lastSignInAt >= user.lastSignInAt);

      const session = second.headers.getSetCookie().find((c) => c.startsWith("videocall_session="))!;
      const signedIn = await server.signIn.userOf(
        new Request(`${server.url}/api/meetings/x/join`, { headers: { cookie: session.split(";")[0]! } }),
      );
      assert.equal(signedIn?.displayName, "Scripted Person");
      assert.match(signedIn?.identity ?? "", /^oidc:[A-Za-z0-9_-]{10}:scripted-sub$/);
      assert.equal(await server.signIn.userOf(new Request(server.url)), undefined, "no cookie, nobody");
    } finally {
      await server.shutdown();
      await provider.stop();
      await database.close();
    }
  },
);

Deno.test("a database failing at sign-in gives the error page and no session", async () => {
  const provider = await startScriptedOidcProvider();
  const server = await startSignInServer(provider, {
    recordSignIn: () => Promise.reject(new Error("database unavailable")),
  });
  try {
    const response = await signIn(server, provider);
    assert.equal(response.status, 503);
    assert.match(await response.text(), /data-sign-in-error="account_store_failed"/);
    assert.ok(
      !response.headers
        .getSetCookie()
        .some((c) => c.startsWith("videocall_session=") && !/Max-Age=0/.test(c)),
    );
  } finally {
    await server.shutdown();
    await provider.stop();
  }
});
