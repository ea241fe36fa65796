/**
 * End-to-end: what the meeting page tells a person the server refuses or cannot reach (real relay
 * server on loopback, real headless Chromium, the built web app: `npm run build:web` first).
 * A refusal that retrying cannot fix gets the refusal page; one that may pass gets an alert and Join.
 */
import { ok, strictEqual } from "node:assert/strict";
import { CloseCode } from "@videocall/protocol";
import { en } from "../../packages/web/src/i18n/messages.en.ts";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { startServer, type TestServer } from "../fixtures/server.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;

for (const transport of ["websocket", "webtransport", "auto"] as const) {
  Deno.test(
    `a name the server refuses is explained on a refusal page, with no way to join (${transport})`,
    TEST_OPTIONS,
    async () => {
      const server = await startServer();
      const browser = await launchBrowser();
      try {
        // A space is not allowed in a username (1-64 letters, digits, '_' or '-'): the relay closes with 4002.
        // Chromium does not see the code of a WebTransport close from Deno's server: the Goodbye carries it.
        const ada = await openMeetingPage(
          browser,
          server.url,
          "ada lovelace",
          "standup",
          transport === "auto" ? {} : { transport },
        );
        await ada.page.getByRole("button", { name: "Join" }).click();
        await ada.page.waitForFunction(() => window.videocall.state === "failed", null, { timeout: 15_000 });

        const hooks = await ada.page.evaluate(() => ({
          closeCode: window.videocall.closeCode,
          error: window.videocall.error,
        }));
        strictEqual(hooks.closeCode, CloseCode.invalidName);
        strictEqual(hooks.error, en["close.invalidName"]);
        const refusal = ada.page.locator(".refusal");
        await refusal.waitFor({ state: "visible", timeout: 5000 });
        ok(((await refusal.textContent()) ?? "").includes(en["close.invalidName"]), "the page says why");
        ok(await ada.page.getByRole("button", { name: "Try again" }).isVisible(), "it offers to try again");
        strictEqual(await ada.page.getByRole("button", { name: "Join" }).count(), 0, "no Join button");
        strictEqual(await ada.page.locator(".tile").count(), 0, "no call behind the refusal");
      } finally {
        await browser.close();
        await server.stop();
      }
    },
  );
}

Deno.test(
  "when the server is down, Join says it could not join, and works once the server is back",
  TEST_OPTIONS,
  async () => {
    let server: TestServer = await startServer();
    const browser = await launchBrowser();
    try {
      const alice = await openMeetingPage(browser, server.url, "alice", "comeback");
      const port = server.port;
      await server.stop();
      await alice.page.getByRole("button", { name: "Join" }).click();
      await alice.page.waitForFunction(() => window.videocall.state === "failed", null, { timeout: 20_000 });
      const alert = alice.page.getByRole("alert");
      const said = (await alert.textContent()) ?? "";
      ok(said.startsWith("Could not join:"), said);
      strictEqual(await alice.page.locator(".refusal").count(), 0, "no refusal page: a retry may work");
      ok(
        await alice.page.getByRole("button", { name: "Join" }).isEnabled(),
        "Join is offered again: a new attempt may work",
      );

      server = await startServer({ port });
      const sessionId = await join(alice.page);
      ok(sessionId > 0, "joined on the second attempt");
      ok(await alert.isHidden(), "the alert is gone once in the call");
    } finally {
      await browser.close();
      await server.stop();
    }
  },
);
