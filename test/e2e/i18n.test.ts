/**
 * End-to-end: the web app in Arabic (real server, headless Chromium, built web app). The page is
 * right to left, the toolbar mirrors, and no visible text is English: every text node and every
 * aria-label/title/placeholder is compared with the English catalogue's words.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Page } from "playwright-core";
import { ar } from "../../packages/web/src/i18n/messages.ar.ts";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { waitForVideo } from "../fixtures/media-expectations.ts";
import { englishIn, shownText } from "../fixtures/page-text.ts";
import { startServer } from "../fixtures/server.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;

async function rootDirection(page: Page): Promise<{ lang: string; dir: string }> {
  return await page.evaluate(() => ({
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
  }));
}

/**
 * Where the toolbar's controls sit: the x of its first and last buttons, and the centre of its first
 * control (the microphone picker). A flex row: mirrored right to left.
 */
async function toolbarLayout(
  page: Page,
): Promise<{ firstButtonX: number; lastButtonX: number; firstControlCentreX: number; width: number }> {
  return await page.evaluate(() => {
    const box = (element: Element | null | undefined) => element?.getBoundingClientRect();
    const buttons = [...document.querySelectorAll<HTMLElement>("nav.toolbar button")];
    const firstControl = box(document.querySelector("nav.toolbar select, nav.toolbar button"));
    return {
      firstButtonX: box(buttons[0])?.x ?? Number.NaN,
      lastButtonX: box(buttons[buttons.length - 1])?.x ?? Number.NaN,
      firstControlCentreX: firstControl ? firstControl.x + firstControl.width / 2 : Number.NaN,
      width: document.documentElement.clientWidth,
    };
  });
}

Deno.test(
  "an Arabic browser gets the home page in Arabic, right to left; the switcher's choice sticks",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    const browser = await launchBrowser({ fakeDevices: false });
    try {
      // The browser's language is the default: no ?lang= here.
      const context = await browser.newContext({ locale: "ar-EG" });
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      await page.locator("form.home").waitFor();
      deepStrictEqual(await rootDirection(page), { lang: "ar", dir: "rtl" });
      await page.getByLabel(ar["home.username"]).waitFor();
      deepStrictEqual(englishIn(await shownText(page), []), []);

      // The form's labels sit on the right: its inputs start from the right edge.
      const input = await page.locator("input[name=username]").boundingBox();
      const form = await page.locator("form.home").boundingBox();
      ok(input && form, "form laid out");
      const label = await page
        .locator("form.home label")
        .first()
        .evaluate((element) => {
          const range = document.createRange();
          range.selectNodeContents(element.firstChild as Node);
          const text = range.getBoundingClientRect();
          const box = element.getBoundingClientRect();
          return { textRight: text.right, boxRight: box.right, textLeft: text.left, boxLeft: box.left };
        });
      ok(Math.abs(label.textRight - label.boxRight) < 2, `label text at the right: ${JSON.stringify(label)}`);

      // Choose English: the page turns left to right at once, and stays English after a reload.
      await page.getByLabel(ar["language.label"]).selectOption("en");
      deepStrictEqual(await rootDirection(page), { lang: "en", dir: "ltr" });
      await page.getByLabel("Your name").waitFor();
      ok(englishIn(await shownText(page), []).length > 3, "the check finds English on the English page");
      await page.reload();
      await page.getByLabel("Your name").waitFor();
      deepStrictEqual(await rootDirection(page), { lang: "en", dir: "ltr" });

      // A link's ?lang= wins over the stored choice.
      await page.goto(`${server.url}/?lang=ar`);
      await page.getByLabel(ar["home.username"]).waitFor();
      deepStrictEqual(await rootDirection(page), { lang: "ar", dir: "rtl" });
      await context.close();
    } finally {
      await browser.close();
      await server.stop();
    }
  },
);

Deno.test("a two-person meeting in Arabic is right to left with no English text", TEST_OPTIONS, async () => {
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const salma = await openMeetingPage(browser, server.url, "salma", "majlis", { lang: "ar" });
    const omar = await openMeetingPage(browser, server.url, "omar", "majlis", { lang: "ar" });
    deepStrictEqual(await rootDirection(salma.page), { lang: "ar", dir: "rtl" });
    deepStrictEqual(englishIn(await shownText(salma.page), ["salma", "majlis"]), [], "preview");

    await join(salma.page, 20_000, ar["toolbar.join"]);
    const omarId = await join(omar.page, 20_000, ar["toolbar.join"]);
    await waitForVideo(salma.page, omarId, 10);
    await salma.page.locator("nav.toolbar .danger").waitFor();

    const names = ["salma", "omar", "majlis"];
    deepStrictEqual(englishIn(await shownText(salma.page), names), [], "in the call");
    const rtl = await toolbarLayout(salma.page);
    ok(
      rtl.firstButtonX > rtl.lastButtonX,
      `right to left: first button right of the last: ${JSON.stringify(rtl)}`,
    );
    ok(rtl.firstControlCentreX > rtl.width / 2, `the toolbar starts on the right: ${JSON.stringify(rtl)}`);

    // The same page switched to English mirrors back, and the check does see English then.
    await salma.page.getByLabel(ar["language.label"]).selectOption("en");
    deepStrictEqual(await rootDirection(salma.page), { lang: "en", dir: "ltr" });
    await salma.page.getByRole("button", { name: "Leave" }).waitFor();
    const ltr = await toolbarLayout(salma.page);
    ok(ltr.firstButtonX < ltr.lastButtonX, `left to right: ${JSON.stringify(ltr)}`);
    ok(ltr.firstControlCentreX < ltr.width / 2, `the toolbar starts on the left: ${JSON.stringify(ltr)}`);
    ok(englishIn(await shownText(salma.page), names).length > 5, "English found on the English page");
    strictEqual(await salma.page.evaluate(() => localStorage.getItem("videocall.language")), "en");
    deepStrictEqual(
      salma.errors.filter((error) => error.startsWith("pageerror")),
      [],
    );
  } finally {
    await browser.close();
    await server.stop();
  }
});
