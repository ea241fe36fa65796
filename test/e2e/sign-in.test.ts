/**
 * End-to-end: signing in through a real OpenID Connect provider (panva's oidc-provider on Node,
 * test/fixtures/oidc-provider.*) in real headless Chromium, against the real relay server process.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { en } from "../../packages/web/src/i18n/messages.en.ts";
import { launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { type OidcTestProvider, startOidcProvider } from "../fixtures/oidc-provider.ts";
import { startServer, type TestServer } from "../fixtures/server.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const SESSION_SECRET = "e2e sign-in test session secret, 32+ characters";
const signedInAs = (name: string) => en["account.signedInAs"].replace("{name}", name);

interface Me {
  signInConfigured: boolean;
  signedIn: boolean;
  identity?: string;
  displayName?: string;
  email?: string;
}

async function me(page: Page): Promise<Me> {
  return await page.evaluate(async () => await (await fetch("/api/me")).json());
}

/** At the provider's login form: types the account's credentials and submits. */
async function logInAtProvider(page: Page, provider: OidcTestProvider, login: string): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(provider.issuer), { timeout: 15_000 });
  await page.getByLabel("Username").fill(login);
  await page.getByLabel("Password").fill(provider.accounts[login]!.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function withSignIn(
  run: (env: { provider: OidcTestProvider; server: TestServer; browser: Browser }) => Promise<void>,
): Promise<void> {
  const provider = await startOidcProvider();
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await startServer({ extraArgs: [...provider.serverArgs(), "--session-secret", SESSION_SECRET] });
    browser = await launchBrowser();
    await run({ provider, server, browser });
  } catch (error) {
    throw new Error(
      `${(error as Error).stack}\n--- provider:\n${provider.output()}\n--- server:\n${server?.output()}`,
    );
  } finally {
    await browser?.close();
    await server?.stop();
    await provider.stop();
  }
}

async function sessionCookie(context: BrowserContext) {
  return (await context.cookies()).find((cookie) => cookie.name === "videocall_session");
}

Deno.test(
  "signing in on the home page goes through the provider and comes back signed in; signing out ends it",
  TEST_OPTIONS,
  async () => {
    await withSignIn(async ({ provider, server, browser }) => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      deepStrictEqual(await me(page), { signInConfigured: true, signedIn: false });
      await page.getByRole("link", { name: en["account.signIn"] }).click();
      await logInAtProvider(page, provider, "ada");
      await page.waitForURL(`${server.url}/`, { timeout: 15_000 });
      await page.getByText(signedInAs("Ada Lovelace")).waitFor({ timeout: 10_000 });

      const signedIn = await me(page);
      strictEqual(signedIn.signedIn, true);
      ok(/^oidc:[A-Za-z0-9_-]{10}:ada$/.test(signedIn.identity ?? ""), signedIn.identity);
      strictEqual(signedIn.displayName, "Ada Lovelace");
      strictEqual(signedIn.email, "ada@example.test");
      const cookie = await sessionCookie(context);
      ok(cookie, "a session cookie is set");
      strictEqual(cookie.httpOnly, true);
      strictEqual(cookie.sameSite, "Lax");
      strictEqual(cookie.path, "/");
      strictEqual(
        (await context.cookies()).some((c) => c.name === "videocall_oidc_login"),
        false,
        "the transient sign-in cookie is gone",
      );
      strictEqual(
        await page.evaluate(() => document.cookie.includes("videocall_session")),
        false,
        "HttpOnly",
      );

      // The meeting page's pre-join screen shows who you are signed in as.
      await page.goto(`${server.url}/meeting/ada/design-review`);
      await page.waitForFunction(() => window.videocall?.state === "preview");
      await page.locator(".topbar").getByText(signedInAs("Ada Lovelace")).waitFor({ timeout: 10_000 });

      await page.getByRole("button", { name: en["account.signOut"] }).click();
      await page
        .locator(".topbar")
        .getByRole("link", { name: en["account.signIn"] })
        .waitFor({ timeout: 10_000 });
      deepStrictEqual(await me(page), { signInConfigured: true, signedIn: false });
      strictEqual(await sessionCookie(context), undefined);
    });
  },
);

Deno.test(
  "signing in from a meeting's pre-join screen returns to that meeting, as that person",
  TEST_OPTIONS,
  async () => {
    await withSignIn(async ({ provider, server, browser }) => {
      const grace = await openMeetingPage(browser, server.url, "grace", "standup", {
        transport: "websocket",
      });
      await grace.page.locator(".topbar").getByRole("link", { name: en["account.signIn"] }).click();
      await logInAtProvider(grace.page, provider, "grace");
      await grace.page.waitForURL(`${server.url}/meeting/grace/standup?transport=websocket`, {
        timeout: 15_000,
      });
      await grace.page.waitForFunction(() => window.videocall?.state === "preview");
      await grace.page.locator(".topbar").getByText(signedInAs("Grace Hopper")).waitFor({ timeout: 10_000 });
      const signedIn = await me(grace.page);
      ok(signedIn.identity?.endsWith(":grace"), signedIn.identity);
      strictEqual(signedIn.displayName, "Grace Hopper");
    });
  },
);

Deno.test(
  "a return address on another site is not followed, and a replayed callback is refused",
  TEST_OPTIONS,
  async () => {
    await withSignIn(async ({ provider, server, browser }) => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const callbacks: string[] = [];
      page.on("request", (request) => {
        if (request.url().startsWith(`${server.url}/auth/callback`)) callbacks.push(request.url());
      });
      await page.goto(`${server.url}/auth/login?return=${encodeURIComponent("https://evil.example/phish")}`);
      await page.waitForURL((url) => url.href.startsWith(provider.issuer), { timeout: 15_000 });
      const loginCookie = (await context.cookies()).find((cookie) => cookie.name === "videocall_oidc_login");
      ok(loginCookie, "the sign-in state cookie is set");
      strictEqual(loginCookie.httpOnly, true);
      strictEqual(loginCookie.path, "/auth/callback");
      await logInAtProvider(page, provider, "ada");
      await page.waitForURL(`${server.url}/`, { timeout: 15_000 });
      strictEqual(new URL(page.url()).origin, server.url, "landed at home on this server, not evil.example");
      strictEqual((await me(page)).signedIn, true);

      // The same callback with the same sign-in cookie, again (say from a proxy's log).
      strictEqual(callbacks.length, 1, callbacks.join("\n"));
      const replay = await fetch(callbacks[0]!, {
        headers: { cookie: `${loginCookie.name}=${loginCookie.value}` },
        redirect: "manual",
      });
      strictEqual(replay.status, 400);
      ok((await replay.text()).includes('data-sign-in-error="replayed"'));
    });
  },
);
