/**
 * End-to-end: identity comes from the server. Two people both called "alice" (two browser contexts: two
 * cookie jars) are two identities, their tiles say so, and a reload keeps a guest's identity (the vc_guest
 * cookie the join endpoint sets). Real server, real Chromium, the built web app.
 */
import { ok, strictEqual } from "node:assert/strict";
import type { Page } from "playwright-core";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { startServer } from "../fixtures/server.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;

/** The one remote tile's identity and label, once there is one. */
async function remoteTile(page: Page): Promise<{ identity: string; label: string }> {
  const tile = page.locator("article.tile.remote").first();
  await tile.waitFor({ state: "visible", timeout: 20_000 });
  return {
    identity: (await tile.getAttribute("data-identity")) ?? "",
    label: (await tile.locator("footer.name span").first().textContent()) ?? "",
  };
}

Deno.test(
  "two alices are two identities, told apart on their tiles; a reload keeps a guest's identity",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      const first = await openMeetingPage(browser, server.url, "alice", "twins");
      const second = await openMeetingPage(browser, server.url, "alice", "twins");
      await join(first.page);
      await join(second.page);
      const seenByFirst = await remoteTile(first.page);
      const seenBySecond = await remoteTile(second.page);
      ok(seenByFirst.identity.startsWith("guest:"), seenByFirst.identity);
      ok(seenBySecond.identity.startsWith("guest:"), seenBySecond.identity);
      ok(seenByFirst.identity !== seenBySecond.identity, "two people, two identities");
      ok(/^alice · [A-Za-z0-9]{4}$/.test(seenByFirst.label), `a namesake's tile: "${seenByFirst.label}"`);
      ok(seenByFirst.label !== seenBySecond.label, "the suffixes differ");

      // The second alice reloads: same browser context, same cookie, same identity.
      await second.page.reload();
      await second.page.waitForFunction(() => window.videocall?.state === "preview");
      await second.page.waitForFunction(
        () => !document.querySelector<HTMLButtonElement>("button.primary")?.disabled,
      );
      await join(second.page);
      await first.page.waitForFunction(
        (identity) =>
          document.querySelector("article.tile.remote")?.getAttribute("data-identity") === identity,
        seenByFirst.identity,
        { timeout: 20_000 },
      );
      strictEqual((await remoteTile(first.page)).identity, seenByFirst.identity);
    } finally {
      await browser.close();
      await server.stop();
    }
  },
);
