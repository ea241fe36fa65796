/**
 * End-to-end: an accessibility audit with axe-core (injected into the page) over the home page and
 * the meeting page with a call up, in English and in Arabic. No serious or critical violation.
 * Also: keyboard shortcuts work and the help dialog lists them, and focus moves through the
 * toolbar in reading order.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Page } from "playwright-core";
import { ar } from "../../packages/web/src/i18n/messages.ar.ts";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { waitForVideo } from "../fixtures/media-expectations.ts";
import { startServer } from "../fixtures/server.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const AXE_PATH = new URL("../../node_modules/axe-core/axe.min.js", import.meta.url).pathname;

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** Runs axe-core on the page; returns the serious and critical violations, one line each. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE_PATH });
  const violations = await page.evaluate(async (): Promise<Violation[]> => {
    /** The part of axe-core's result read here (axe.min.js declares `axe` on the window). */
    interface AxeResults {
      violations: Array<{
        id: string;
        impact: string | null;
        help: string;
        nodes: Array<{ target: unknown }>;
      }>;
    }
    const axe = (
      globalThis as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } }
    ).axe;
    const results = await axe.run(document, { resultTypes: ["violations"] });
    return results.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => String(node.target)),
    }));
  });
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map(
      (violation) =>
        `${violation.impact} ${violation.id}: ${violation.help} (${violation.targets.join(", ")})`,
    );
}

for (const lang of ["en", "ar"] as const) {
  Deno.test(`axe finds no serious violation on the home page (${lang})`, TEST_OPTIONS, async () => {
    const server = await startServer();
    const browser = await launchBrowser({ fakeDevices: false });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/?lang=${lang}`);
      await page.locator("form.home").waitFor();
      deepStrictEqual(await seriousViolations(page), []);
    } finally {
      await browser.close();
      await server.stop();
    }
  });

  Deno.test(
    `axe finds no serious violation on the meeting page in a call (${lang})`,
    TEST_OPTIONS,
    async () => {
      const server = await startServer();
      const browser = await launchBrowser();
      try {
        const joinName = lang === "ar" ? ar["toolbar.join"] : "Join";
        const first = await openMeetingPage(browser, server.url, "salma", "audit", { lang });
        deepStrictEqual(await seriousViolations(first.page), [], "preview");
        const second = await openMeetingPage(browser, server.url, "omar", "audit", { lang });
        await join(first.page, 20_000, joinName);
        const secondId = await join(second.page, 20_000, joinName);
        await waitForVideo(first.page, secondId, 10);
        await first.page.locator(".participants-panel").waitFor();
        deepStrictEqual(await seriousViolations(first.page), [], "in the call");

        // The shortcuts help, opened with "?": a modal dialog that lists the keys, audited too.
        await first.page.locator("body").press("Shift+Slash");
        await first.page.locator("dialog.shortcuts-dialog[open]").waitFor();
        const keys = await first.page.locator("dialog.shortcuts-dialog kbd").allTextContents();
        ok(keys.includes("M") && keys.includes("V") && keys.includes("Alt+Q"), keys.join(" "));
        deepStrictEqual(await seriousViolations(first.page), [], "shortcuts dialog");
        await first.page.keyboard.press("Escape");
        await first.page.locator("dialog.shortcuts-dialog[open]").waitFor({ state: "detached" });
      } finally {
        await browser.close();
        await server.stop();
      }
    },
  );
}

Deno.test(
  "keyboard: M mutes, V turns the camera off, not while typing; Tab follows the toolbar's order; Alt+Q leaves",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      const { page } = await openMeetingPage(browser, server.url, "salma", "keys", { lang: "ar" });
      await join(page, 20_000, ar["toolbar.join"]);
      const state = () =>
        page.evaluate(() => ({
          muted: window.videocall.control().microphoneMuted,
          cameraOff: window.videocall.control().cameraOff,
        }));
      deepStrictEqual(await state(), { muted: false, cameraOff: false });
      await page.locator("body").press("KeyM");
      await page.waitForFunction(() => window.videocall.control().microphoneMuted);
      await page.getByRole("button", { name: ar["toolbar.unmute"] }).waitFor();
      await page.locator("body").press("KeyV");
      await page.waitForFunction(() => window.videocall.control().cameraOff);
      await page.locator("body").press("KeyM");
      await page.waitForFunction(() => !window.videocall.control().microphoneMuted);

      // Typing an m into a field is typing, not muting.
      await page.locator("select[name=language]").focus();
      await page.evaluate(() => {
        const input = document.createElement("input");
        input.id = "typing-probe";
        document.body.append(input);
      });
      await page.locator("#typing-probe").fill("");
      await page.locator("#typing-probe").press("KeyM");
      strictEqual((await state()).muted, false, "an m typed in a field does not mute");

      // Tab order in the toolbar is its reading order: the pickers, then mute, camera, …, leave.
      // Each control is named by its aria-label, else its <label>, else its text.
      const order = await page.evaluate(() => {
        const controls = [
          ...document.querySelectorAll<HTMLInputElement>("nav.toolbar :is(select, button, input)"),
        ].filter((element) => !element.disabled && element.checkVisibility());
        return controls.map((element) => `${element.tagName}:${element.name || element.textContent}`);
      });
      await page.locator("nav.toolbar select").first().focus();
      const tabbed: string[] = [];
      for (let index = 0; index < order.length; index++) {
        tabbed.push(
          await page.evaluate(() => {
            const element = document.activeElement as HTMLInputElement | null;
            return `${element?.tagName}:${element?.name || element?.textContent}`;
          }),
        );
        await page.keyboard.press("Tab");
      }
      deepStrictEqual(tabbed, order);
      strictEqual(order.at(-1), `BUTTON:${ar["toolbar.leave"]}`);

      // Focus out of the fields (the Tab walk ended in the probe input), then leave by keyboard.
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.keyboard.press("Alt+KeyQ");
      await page.waitForFunction(() => window.videocall.state === "left");
    } finally {
      await browser.close();
      await server.stop();
    }
  },
);
