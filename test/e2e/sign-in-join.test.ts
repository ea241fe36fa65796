/**
 * End-to-end: a person signed in through a real OpenID Connect provider (oidc-provider, in Chromium) gets a
 * room token from the join endpoint with a same-origin fetch (the HttpOnly session cookie goes along), joins,
 * and the others' roster shows their OIDC identity and name, not a guest.
 */
import { ok, strictEqual } from "node:assert/strict";
import { joinMeeting } from "@videocall/client";
import { launchBrowser } from "../fixtures/browser.ts";
import { startOidcProvider } from "../fixtures/oidc-provider.ts";
import { startServer, type TestServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;

Deno.test(
  "a signed-in user joins a meeting and the roster shows their OIDC identity and name",
  TEST_OPTIONS,
  async () => {
    const provider = await startOidcProvider();
    let server: TestServer | undefined;
    const browser = await launchBrowser();
    try {
      server = await startServer({
        extraArgs: [...provider.serverArgs(), "--session-secret", "sign-in join test secret, 32+ characters"],
      });
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${server.url}/auth/login?return=/`);
      await page.getByLabel("Username").fill("ada");
      await page.getByLabel("Password").fill(provider.accounts.ada!.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${server.url}/`, { timeout: 15_000 });

      // What the meeting page does: a same-origin fetch, so the HttpOnly session cookie is sent.
      const joined = await page.evaluate(async () => {
        const me = await (await fetch("/api/me")).json();
        const response = await fetch("/api/meetings/standup/join", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        });
        return { me, status: response.status, body: await response.json() };
      });
      strictEqual(joined.status, 200, JSON.stringify(joined.body));
      strictEqual(joined.body.identity, joined.me.identity, "the token is for the signed-in identity");
      ok(/^oidc:[A-Za-z0-9_-]{10}:ada$/.test(joined.body.identity), joined.body.identity);

      const ada = await joinMeeting({
        serverUrl: server.url,
        username: "ada",
        meetingId: "standup",
        transport: "websocket",
        reconnect: false,
        token: joined.body.token,
      });
      const guest = await joinMeeting({
        serverUrl: server.url,
        username: "bob",
        meetingId: "standup",
        transport: "websocket",
        reconnect: false,
      });
      try {
        strictEqual(ada.self.identity, joined.me.identity);
        strictEqual(ada.self.displayName, "Ada Lovelace");
        strictEqual(ada.self.guest, false);
        await waitFor("the guest to see ada", () => guest.participants.size === 1);
        const seen = [...guest.participants.values()][0]!;
        strictEqual(seen.identity, joined.me.identity);
        strictEqual(seen.username, "Ada Lovelace");
        strictEqual(seen.guest, false);
      } finally {
        await guest.leave();
        await ada.leave();
      }
    } catch (error) {
      throw new Error(`${(error as Error).stack}\n--- server:\n${server?.output()}`);
    } finally {
      await browser.close();
      await server?.stop();
      await provider.stop();
    }
  },
);
