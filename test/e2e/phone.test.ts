/**
 * End-to-end: a phone-sized viewport (390×844, an iPhone 12–15). The home page and a two-person
 * call fit the width: nothing scrolls sideways, and the toolbar and the tiles lie inside the
 * screen, in English and in Arabic.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { ar } from "../../packages/web/src/i18n/messages.ar.ts";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { waitForVideo } from "../fixtures/media-expectations.ts";
import { overflowOf } from "../fixtures/phone-layout.ts";
import { startServer } from "../fixtures/server.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const PHONE = { width: 390, height: 844 };

/** Elements matching `selector` that stick out of the viewport sideways, and the page's scroll width. */
async function overflow(page: Page, selector: string): Promise<{ scrollWidth: number; outside: string[] }> {
  const { scrollWidth, outside } = await page.evaluate(overflowOf, selector);
  return { scrollWidth, outside };
}

Deno.test("the home page fits a phone", TEST_OPTIONS, async () => {
  const server = await startServer();
  const browser = await launchBrowser({ fakeDevices: false });
  try {
    for (const lang of ["en", "ar"]) {
      const context = await browser.newContext({ viewport: PHONE });
      const page = await context.newPage();
      await page.goto(`${server.url}/?lang=${lang}`);
      await page.locator("form.home").waitFor();
      deepStrictEqual(
        await overflow(page, "form.home, form.home *"),
        { scrollWidth: PHONE.width, outside: [] },
        lang,
      );
      await context.close();
    }
  } finally {
    await browser.close();
    await server.stop();
  }
});

for (const lang of ["en", "ar"] as const) {
  Deno.test(
    `a two-person call fits a phone, toolbar and tiles, without sideways scrolling (${lang})`,
    TEST_OPTIONS,
    async () => {
      const server = await startServer();
      const browser = await launchBrowser();
      try {
        const joinName = lang === "ar" ? ar["toolbar.join"] : "Join";
        const phone = await openMeetingPage(browser, server.url, "salma", "on-the-go", {
          lang,
          viewport: PHONE,
        });
        const desk = await openMeetingPage(browser, server.url, "omar", "on-the-go", { lang });
        await join(phone.page, 20_000, joinName);
        const deskId = await join(desk.page, 20_000, joinName);
        await waitForVideo(phone.page, deskId, 10);
        await phone.page.locator(".participants-panel").waitFor();

        const layout = await overflow(
          phone.page,
          ".topbar, .topbar *, nav.toolbar, nav.toolbar *, .grid, .tile",
        );
        deepStrictEqual(layout, { scrollWidth: PHONE.width, outside: [] });
        // Both tiles are drawn, each at a usable size (at least half the screen wide).
        const tiles = await phone.page
          .locator(".grid .tile")
          .evaluateAll((elements) => elements.map((element) => element.getBoundingClientRect().width));
        ok(
          tiles.length === 2 && tiles.every((width) => width >= PHONE.width / 2 - 40),
          `tile widths ${tiles}`,
        );
        // The toolbar's buttons can be reached: on screen once scrolled to, none hidden under another.
        const leave = phone.page.locator("nav.toolbar .danger");
        await leave.scrollIntoViewIfNeeded();
        ok(await leave.isVisible(), "Leave is visible");
      } finally {
        await browser.close();
        await server.stop();
      }
    },
  );
}
