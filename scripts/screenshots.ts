/**
 * Takes the README's screenshots: the meeting page with two participants, in English and in
 * Arabic (docs/screenshots/meeting-en.png, meeting-ar.png), and the Arabic page on a phone
 * (meeting-ar-phone.png). Real server and headless Chromium with fake cameras; build the web app
 * first (`npm run build:web`).
 *
 *   deno run --config deno.json -A --unstable-net scripts/screenshots.ts
 */
import { ar } from "../packages/web/src/i18n/messages.ar.ts";
import { join, launchBrowser, openMeetingPage } from "../test/fixtures/browser.ts";
import { waitForVideo } from "../test/fixtures/media-expectations.ts";
import { startServer } from "../test/fixtures/server.ts";

const OUTPUT = new URL("../docs/screenshots/", import.meta.url);
const DESKTOP = { width: 1280, height: 720 };
const PHONE = { width: 390, height: 844 };

await Deno.mkdir(OUTPUT, { recursive: true });
const server = await startServer();
const browser = await launchBrowser();
try {
  for (const lang of ["en", "ar"] as const) {
    const joinName = lang === "ar" ? ar["toolbar.join"] : "Join";
    const [first, second] = lang === "ar" ? ["Salma", "Omar"] : ["Ada", "Grace"];
    const meetingId = lang === "ar" ? "majlis" : "design-review";
    const shown = await openMeetingPage(browser, server.url, first, meetingId, { lang, viewport: DESKTOP });
    const other = await openMeetingPage(browser, server.url, second, meetingId, { lang, viewport: PHONE });
    await join(shown.page, 20_000, joinName);
    const otherId = await join(other.page, 20_000, joinName);
    const shownId = await shown.page.evaluate(() => window.videocall.sessionId ?? 0);
    await waitForVideo(shown.page, otherId, 60);
    await waitForVideo(other.page, shownId, 60);
    // The diagnostics table is for support: fold it for the picture.
    for (const page of [shown.page, other.page]) {
      await page.evaluate(() => document.querySelector("details.diagnostics")?.removeAttribute("open"));
    }
    await shown.page.screenshot({ path: new URL(`meeting-${lang}.png`, OUTPUT).pathname });
    if (lang === "ar")
      await other.page.screenshot({ path: new URL("meeting-ar-phone.png", OUTPUT).pathname });
    await shown.context.close();
    await other.context.close();
    console.log(`docs/screenshots/meeting-${lang}.png`);
  }
} finally {
  await browser.close();
  await server.stop();
}
