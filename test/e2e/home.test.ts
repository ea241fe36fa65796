/** End-to-end: the home page leads to a meeting's URL (real server, headless Chromium, built web app). */
import { ok, strictEqual } from "node:assert/strict";
import { launchBrowser } from "../fixtures/browser.ts";
import { startServer } from "../fixtures/server.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;

Deno.test("the home page takes a name and a meeting id to the meeting's page", TEST_OPTIONS, async () => {
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    const root = await page.evaluate(() => ({
      lang: document.documentElement.lang,
      dir: document.documentElement.dir,
    }));
    strictEqual(root.lang, "en");
    strictEqual(root.dir, "ltr");
    await page.getByLabel("Your name").fill("Ada");
    await page.getByLabel("Meeting id").fill("design-review");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL(`${server.url}/meeting/Ada/design-review`);
    await page.waitForFunction(() => window.videocall?.state === "preview");
    ok((await page.title()).startsWith("design-review"), await page.title());
  } finally {
    await browser.close();
    await server.stop();
  }
});
