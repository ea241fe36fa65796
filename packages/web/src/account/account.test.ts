import { deepStrictEqual } from "node:assert/strict";
import { accountStateFrom, signInUrl } from "./account.ts";

Deno.test("GET /api/me's body becomes an account state; anything odd means no sign-in", () => {
  deepStrictEqual(accountStateFrom({ signInConfigured: false, signedIn: false }), { kind: "unavailable" });
  deepStrictEqual(accountStateFrom({ signInConfigured: true, signedIn: false }), { kind: "signed-out" });
  deepStrictEqual(
    accountStateFrom({ signInConfigured: true, signedIn: true, identity: "oidc:t:1", displayName: "Ada" }),
    { kind: "signed-in", identity: "oidc:t:1", displayName: "Ada" },
  );
  deepStrictEqual(accountStateFrom({ signInConfigured: true, signedIn: true, identity: 1 }), {
    kind: "signed-out",
  });
  deepStrictEqual(accountStateFrom(null), { kind: "unavailable" });
  deepStrictEqual(accountStateFrom("garbage"), { kind: "unavailable" });
});

Deno.test("the sign-in link returns to the page it was clicked on", () => {
  deepStrictEqual(
    signInUrl("/meeting/ada/x?transport=websocket"),
    "/auth/login?return=%2Fmeeting%2Fada%2Fx%3Ftransport%3Dwebsocket",
  );
});
