/**
 * End-to-end: reactions and raised hands between two Chromium pages through a real relay (in this
 * process, with the embedded database and the test admitter: the first page to join is the host)
 * and the built web app (`npm run build:web` first). Everything is read from the pages' DOM.
 */
import { strictEqual } from "node:assert/strict";
import { en } from "../../packages/web/src/i18n/messages.en.ts";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { openTestMeetingDatabase, startControlServer } from "../fixtures/control-server.ts";

Deno.test({
  name: "a reaction floats over the sender's tile on the other page; raised hands show in order; the host lowers one",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await openTestMeetingDatabase();
    const server = await startControlServer(db.directory);
    const browser = await launchBrowser();
    try {
      const host = await openMeetingPage(browser, server.url, "ada", "reactions-e2e");
      const hostSessionId = await join(host.page);
      const guest = await openMeetingPage(browser, server.url, "bea", "reactions-e2e");
      const guestSessionId = await join(guest.page);
      const hostTileOnGuest = guest.page.locator(`.tile.remote[data-session-id="${hostSessionId}"]`).first();
      const guestTileOnHost = host.page.locator(`.tile.remote[data-session-id="${guestSessionId}"]`).first();
      await hostTileOnGuest.waitFor({ state: "visible", timeout: 20_000 });
      await guestTileOnHost.waitFor({ state: "visible", timeout: 20_000 });

      // The host reacts: the guest sees the emoji over the host's tile (and the host over its own).
      await host.page.getByRole("button", { name: en["reactions.react"] }).click();
      await host.page.getByRole("button", { name: en["reactions.send"].replace("{emoji}", "👍") }).click();
      await hostTileOnGuest
        .locator('.floating-reaction[data-emoji="👍"]')
        .waitFor({ state: "attached", timeout: 10_000 });
      await host.page
        .locator('.tile.local .floating-reaction[data-emoji="👍"]')
        .waitFor({ state: "attached", timeout: 10_000 });
      strictEqual(
        await guestTileOnHost.locator(".floating-reaction").count(),
        0,
        "nothing floats over a tile whose participant did not react",
      );

      // The guest raises a hand, then the host: both pages list them in that order.
      await guest.page.getByRole("button", { name: en["reactions.raiseHand"] }).click();
      await guestTileOnHost.locator('.hand-badge[data-hand-position="1"]').waitFor({ timeout: 10_000 });
      await host.page.getByRole("button", { name: en["reactions.raiseHand"] }).click();
      await hostTileOnGuest.locator('.hand-badge[data-hand-position="2"]').waitFor({ timeout: 10_000 });
      for (const page of [host.page, guest.page]) {
        await page.waitForFunction(() => document.querySelectorAll(".raised-hands li").length === 2, null, {
          timeout: 10_000,
        });
        const order = await page
          .locator(".raised-hands li")
          .evaluateAll((items) => items.map((item) => Number((item as HTMLElement).dataset.handSessionId)));
        strictEqual(JSON.stringify(order), JSON.stringify([guestSessionId, hostSessionId]));
      }
      strictEqual(
        await guest.page
          .getByRole("button", { name: en["reactions.lowerHand"] })
          .getAttribute("aria-pressed"),
        "true",
      );
      strictEqual(
        await guest.page.getByRole("button", { name: /^Lower .*'s hand$/ }).count(),
        0,
        "a participant gets no Lower hand buttons for others",
      );

      // The host lowers the guest's hand from the participants panel.
      await host.page
        .getByRole("button", { name: en["reactions.lowerHandOf"].replace("{username}", "bea") })
        .click();
      await guest.page.getByRole("button", { name: en["reactions.raiseHand"] }).waitFor({ timeout: 10_000 });
      await guest.page.waitForFunction(
        () => document.querySelectorAll(".raised-hands li").length === 1,
        null,
        {
          timeout: 10_000,
        },
      );
      strictEqual(
        await guest.page.locator(".tile.local .hand-badge").count(),
        0,
        "the guest's badge is gone",
      );
      await hostTileOnGuest.locator('.hand-badge[data-hand-position="1"]').waitFor({ timeout: 10_000 });
      strictEqual(host.errors.filter((e) => e.startsWith("pageerror")).length, 0, host.errors.join("\n"));
    } finally {
      await browser.close();
      await server.shutdown();
      await db.close();
    }
  },
});
