/**
 * End-to-end: chat between Chromium pages through a real relay server process and the built web app
 * (`npm run build:web` first). Two pages chat, the unread badge counts what came while the panel was
 * closed, markup in a message shows as characters (no script runs, no element is made), a URL becomes
 * a safe link, a private message reaches its recipient only, and a late joiner sees the history.
 */
import { ok, strictEqual } from "node:assert/strict";
import type { Page } from "playwright-core";
import { en } from "../../packages/web/src/i18n/messages.en.ts";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { startServer } from "../fixtures/server.ts";

const INJECTION = `<script>window.__pwned=1</script> <img src=x onerror="window.__pwned=2">`;
const LINK_MESSAGE = "notes at https://example.com/notes?a=1 and javascript:alert(1) too";

async function openChat(page: Page): Promise<void> {
  await page.getByRole("button", { name: new RegExp(`^${en["chat.toggle"]}`) }).click();
  await page.locator("#chat-panel").waitFor({ state: "visible", timeout: 10_000 });
}

async function send(page: Page, text: string, to?: string): Promise<void> {
  const panel = page.locator("#chat-panel");
  if (to !== undefined) await panel.getByLabel(en["chat.to"]).selectOption({ label: to });
  await panel.getByLabel(en["chat.placeholder"]).fill(text);
  await panel.getByRole("button", { name: en["chat.send"] }).click();
  // The box empties once the server stored the message.
  await page.waitForFunction(
    () => document.querySelector<HTMLInputElement>("#chat-panel input[name=chat-text]")?.value === "",
    null,
    { timeout: 15_000 },
  );
}

async function messageTexts(page: Page): Promise<string[]> {
  return await page.locator("#chat-panel .chat-text").allTextContents();
}

async function unreadBadge(page: Page): Promise<string | null> {
  const badge = page.locator(".chat-toggle .unread-badge");
  return (await badge.count()) === 0 ? null : await badge.textContent();
}

Deno.test({
  name: "chat in Chromium: two pages chat, unread badge, markup shows as text, safe links, private messages, late joiner's history",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      const meetingId = "e2e-chat";
      const alice = await openMeetingPage(browser, server.url, "alice", meetingId, {
        transport: "websocket",
      });
      await join(alice.page, 30_000);
      const bob = await openMeetingPage(browser, server.url, "bob", meetingId, { transport: "websocket" });
      await join(bob.page, 30_000);
      await alice.page.waitForFunction(
        () => document.querySelectorAll(".participant-list li").length === 2,
        null,
        {
          timeout: 20_000,
        },
      );

      await openChat(alice.page);
      strictEqual(await unreadBadge(bob.page), null, "no badge before any message");
      await send(alice.page, INJECTION);
      await bob.page.locator(".chat-toggle .unread-badge").waitFor({ timeout: 15_000 });
      strictEqual(await unreadBadge(bob.page), "1");
      await send(alice.page, LINK_MESSAGE);
      await bob.page.waitForFunction(
        () => document.querySelector(".chat-toggle .unread-badge")?.textContent === "2",
        null,
        { timeout: 15_000 },
      );
      strictEqual(await unreadBadge(alice.page), null, "the sender's own messages are not unread");

      await openChat(bob.page);
      strictEqual(await unreadBadge(bob.page), null, "opening the panel clears the badge");
      await bob.page.waitForFunction(
        () => document.querySelectorAll("#chat-panel .chat-text").length === 2,
        null,
        {
          timeout: 15_000,
        },
      );
      for (const page of [alice.page, bob.page]) {
        const texts = await messageTexts(page);
        strictEqual(texts[0], INJECTION, "markup shows as its characters");
        strictEqual(texts[1], LINK_MESSAGE);
        const dom = await page.evaluate(() => ({
          pwned: (window as { __pwned?: number }).__pwned,
          images: document.querySelectorAll("#chat-panel img").length,
          scripts: document.querySelectorAll("#chat-panel script").length,
          links: [...document.querySelectorAll<HTMLAnchorElement>("#chat-panel a")].map((a) => ({
            href: a.getAttribute("href"),
            text: a.textContent,
            rel: a.rel,
            target: a.target,
          })),
        }));
        strictEqual(dom.pwned, undefined, "no injected script ran");
        strictEqual(dom.images, 0, "no injected element exists");
        strictEqual(dom.scripts, 0);
        strictEqual(dom.links.length, 1, `only the https URL is a link: ${JSON.stringify(dom.links)}`);
        strictEqual(dom.links[0]?.href, "https://example.com/notes?a=1");
        strictEqual(dom.links[0]?.text, "https://example.com/notes?a=1");
        strictEqual(dom.links[0]?.rel, "noopener noreferrer");
        strictEqual(dom.links[0]?.target, "_blank");
      }

      // A private message: bob to alice. The panel says so on both sides.
      await send(bob.page, "just for alice", "alice");
      await alice.page.waitForFunction(
        () =>
          [...document.querySelectorAll("#chat-panel .chat-text")].some(
            (p) => p.textContent === "just for alice",
          ),
        null,
        { timeout: 15_000 },
      );
      ok(
        await alice.page
          .locator("#chat-panel .chat-message.private", { hasText: "just for alice" })
          .isVisible(),
        "alice sees it marked private",
      );
      // The picker keeps its choice (as in other meeting apps): back to everyone.
      await send(bob.page, "hello everyone", en["chat.everyone"]);

      // A late joiner sees the public history, not the private message.
      const carol = await openMeetingPage(browser, server.url, "carol", meetingId, {
        transport: "websocket",
      });
      await join(carol.page, 30_000);
      await openChat(carol.page);
      await carol.page
        .waitForFunction(() => document.querySelectorAll("#chat-panel .chat-text").length >= 3, null, {
          timeout: 15_000,
        })
        .catch(async (error: unknown) => {
          const shown = await messageTexts(carol.page);
          throw new Error(`carol's history: ${JSON.stringify({ shown, errors: carol.errors })}`, {
            cause: error,
          });
        });
      strictEqual(await unreadBadge(carol.page), null, "history is not unread");
      const carolTexts = await messageTexts(carol.page);
      strictEqual(JSON.stringify(carolTexts), JSON.stringify([INJECTION, LINK_MESSAGE, "hello everyone"]));
      strictEqual(await carol.page.evaluate(() => (window as { __pwned?: number }).__pwned), undefined);
      for (const page of [alice, bob, carol])
        ok(
          page.errors.every((e) => !e.includes("pageerror")),
          page.errors.join("\n"),
        );
    } finally {
      await browser.close();
      await server.stop();
    }
  },
});
