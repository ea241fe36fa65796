/**
 * The phone viewport (390×844) on Firefox and WebKit, with the checks of phone.test.ts (Chromium):
 * the home page (English and Arabic) and a two-person call (English) fit the width — nothing
 * scrolls sideways, the top bar, toolbar and tiles lie inside the screen, both tiles are usable and
 * Leave can be reached. Firefox sizes its viewport through puppeteer's `setViewport`; WebKit's
 * MiniBrowser runs `--full-screen` (no toolbar, whose minimum width is wider than a phone) and is
 * sized by WebDriver's Set Window Rect. The other participant is a desktop-sized Chromium page.
 * Needs `npm run build:web`.
 */
import { deepStrictEqual } from "node:assert/strict";
import {
  type CallPage,
  joinCall,
  openChromiumCallPage,
  waitForVideoFrom,
  waitInPage,
} from "../fixtures/call-page.ts";
import { type EngineCall, withEngineCall } from "../fixtures/engine-call.ts";
import { firefoxInstalled, launchFirefox, openFirefoxCallPage } from "../fixtures/firefox.ts";
import {
  assertFitsPhone,
  assertTwoUsableTiles,
  overflowOf,
  PHONE,
  reachableOnScreen,
  tileWidths,
} from "../fixtures/phone-layout.ts";
import { startServer } from "../fixtures/server.ts";
import { launchWebKit, openWebKitCallPage, type WebKitBrowser, webkitAvailable } from "../fixtures/webkit.ts";

const FIREFOX_OPTIONS = {
  sanitizeOps: false,
  sanitizeResources: false,
  ignore: !(await firefoxInstalled()),
} as const;
const WEBKIT_OPTIONS = { sanitizeOps: false, sanitizeResources: false, ignore: !webkitAvailable() } as const;
const HOME_SELECTOR = "form.home, form.home *";
const CALL_SELECTOR = ".topbar, .topbar *, nav.toolbar, nav.toolbar *, .grid, .tile";

/** A WebKit window whose page is exactly phone-sized (the Xvfb screen is larger: the window fits). */
async function launchPhoneWebKit(): Promise<WebKitBrowser> {
  const webkit = await launchWebKit({ viewport: { width: 1280, height: 1024 }, args: ["--full-screen"] });
  try {
    deepStrictEqual(await webkit.setViewportSize(PHONE), { ...PHONE }, "WebKit's viewport");
    return webkit;
  } catch (error) {
    await webkit.close();
    throw error;
  }
}

/** With `phone` open at the phone size in the meeting, a desktop Chromium joins; the call must fit. */
async function assertCallFitsPhone(call: EngineCall, phone: CallPage): Promise<void> {
  const desk = await openChromiumCallPage(await call.chromium(), call.server.url, "omar", "on-the-go");
  await joinCall(phone, 40_000);
  const deskId = await joinCall(desk);
  await waitForVideoFrom(phone, deskId, 10);
  await waitInPage(phone, () => document.querySelector(".participants-panel") !== null, undefined, 15_000);
  assertFitsPhone(await phone.evaluate(overflowOf, CALL_SELECTOR), `${phone.engine} call`);
  assertTwoUsableTiles(await phone.evaluate(tileWidths, 0));
  deepStrictEqual(await phone.evaluate(reachableOnScreen, "nav.toolbar .danger"), true, "Leave is reachable");
}

Deno.test("Firefox: the home page fits a phone (English and Arabic)", FIREFOX_OPTIONS, async () => {
  const server = await startServer();
  const firefox = await launchFirefox();
  try {
    for (const lang of ["en", "ar"]) {
      const page = await firefox.browser.newPage();
      await page.setViewport(PHONE);
      await page.goto(`${server.url}/?lang=${lang}`);
      await page.waitForSelector("form.home", { timeout: 30_000 });
      deepStrictEqual(await page.evaluate(() => document.documentElement.lang), lang);
      assertFitsPhone(await page.evaluate(overflowOf, HOME_SELECTOR), `Firefox home (${lang})`);
      await page.close();
    }
  } finally {
    await firefox.close();
    await server.stop();
  }
});

Deno.test(
  "Firefox: a two-person call fits a phone, toolbar and tiles, without sideways scrolling",
  FIREFOX_OPTIONS,
  async () => {
    await withEngineCall(async (call) => {
      const phone = await openFirefoxCallPage(await call.firefox(), call.server.url, "salma", "on-the-go", {
        viewport: PHONE,
      });
      await assertCallFitsPhone(call, phone);
    });
  },
);

Deno.test("WebKit: the home page fits a phone (English and Arabic)", WEBKIT_OPTIONS, async () => {
  const server = await startServer();
  const webkit = await launchPhoneWebKit();
  try {
    for (const lang of ["en", "ar"]) {
      await webkit.navigate(`${server.url}/?lang=${lang}`);
      await webkit.waitFor("the home form", "return document.querySelector('form.home') !== null");
      deepStrictEqual(await webkit.evaluate<string>("return document.documentElement.lang"), lang);
      const layout = await webkit.evaluate<ReturnType<typeof overflowOf>>(
        `return (${overflowOf.toString()})(arguments[0]);`,
        HOME_SELECTOR,
      );
      assertFitsPhone(layout, `WebKit home (${lang})`);
    }
  } finally {
    await webkit.close();
    await server.stop();
  }
});

Deno.test(
  "WebKit: a two-person call fits a phone, toolbar and tiles, without sideways scrolling",
  WEBKIT_OPTIONS,
  async () => {
    let webkit: WebKitBrowser | undefined;
    try {
      await withEngineCall(async (call) => {
        webkit = await launchPhoneWebKit();
        const phone = await openWebKitCallPage(webkit, call.server.url, "salma", "on-the-go");
        await assertCallFitsPhone(call, phone);
      });
    } catch (error) {
      console.log(webkit?.output().slice(-3000));
      throw error;
    } finally {
      await webkit?.close();
    }
  },
);
