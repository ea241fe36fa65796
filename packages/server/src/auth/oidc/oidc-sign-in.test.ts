import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import pino from "pino";
import { OidcSignIn } from "./oidc-sign-in.ts";
import { TokenSealer } from "./sealed-token.ts";

const SECRET = "unit test session secret of 32+ characters";
const quiet = pino({ level: "silent" });

async function signInAt(publicOrigin: string) {
  // The provider is never contacted by these routes (discovery is lazy).
  return await OidcSignIn.create({
    settings: { issuer: "https://id.example", clientId: "c" },
    publicOrigin,
    sessionSecret: SECRET,
    log: quiet,
  });
}

Deno.test("on https the session cookie is Secure and __Host- bound; on http neither", async () => {
  const https = await signInAt("https://meet.example");
  strictEqual(https.redirectUrl, "https://meet.example/auth/callback");
  const request = new Request("https://meet.example/auth/logout", {
    method: "POST",
    headers: { "sec-fetch-site": "same-origin" },
  });
  const cleared = (await https.handle(request, new URL(request.url)))!.headers.get("set-cookie")!;
  ok(cleared.startsWith("__Host-videocall_session=;"), cleared);
  ok(/; Secure/.test(cleared) && /; HttpOnly/.test(cleared) && /SameSite=Lax/.test(cleared), cleared);

  const http = await signInAt("http://127.0.0.1:8080");
  const plain = new Request("http://127.0.0.1:8080/auth/logout", { method: "POST" });
  const plainCleared = (await http.handle(plain, new URL(plain.url)))!.headers.get("set-cookie")!;
  ok(plainCleared.startsWith("videocall_session=;") && !/Secure/.test(plainCleared), plainCleared);
});

Deno.test("the session is read from its own cookie name only", async () => {
  const https = await signInAt("https://meet.example");
  const token = await (await TokenSealer.create(SECRET)).seal(
    "session",
    { sub: "oidc:t:1", name: "Ada" },
    60,
  );
  const user = await https.userOf(
    new Request("https://meet.example/", { headers: { cookie: `__Host-videocall_session=${token}` } }),
  );
  deepStrictEqual(user, { identity: "oidc:t:1", displayName: "Ada" });
  strictEqual(
    await https.userOf(
      new Request("https://meet.example/", { headers: { cookie: `videocall_session=${token}` } }),
    ),
    undefined,
    "the unprefixed name (settable by a sibling subdomain) is not read on https",
  );
});

Deno.test("a configured --oidc-redirect-url wins over the public URL", async () => {
  const signIn = await OidcSignIn.create({
    settings: {
      issuer: "https://id.example",
      clientId: "c",
      redirectUrl: "https://edge.example/auth/callback",
    },
    publicOrigin: "http://10.0.0.5:8080",
    sessionSecret: SECRET,
    log: quiet,
  });
  strictEqual(signIn.redirectUrl, "https://edge.example/auth/callback");
});

Deno.test("other paths are not the sign-in's; unknown /auth paths are 404 and wrong methods 405", async () => {
  const signIn = await signInAt("http://127.0.0.1:8080");
  const at = (path: string, method = "GET") => {
    const request = new Request(`http://127.0.0.1:8080${path}`, { method });
    return signIn.handle(request, new URL(request.url));
  };
  strictEqual(at("/meeting/a/b"), undefined);
  strictEqual(at("/authority"), undefined);
  strictEqual((await at("/auth/nothing"))?.status, 404);
  strictEqual((await at("/auth/login", "POST"))?.status, 405);
  strictEqual((await at("/api/me", "DELETE"))?.status, 405);
});
