/**
 * End-to-end: a host in one Chromium page lets a guest in from the waiting room, mutes and removes
 * them, through a real relay server (in this process with the embedded database and a test admitter, and
 * as the product runs: a server process on a real PostgreSQL) and the built web app (`npm run build:web` first). The guest's page shows each step as the person sees it.
 */
import { ok, strictEqual } from "node:assert/strict";
import { CloseCode } from "../../packages/protocol/src/mod.ts";
import { en } from "../../packages/web/src/i18n/messages.en.ts";
import { join, launchBrowser, openMeetingPage, peers } from "../fixtures/browser.ts";
import { openTestMeetingDatabase, startControlServer } from "../fixtures/control-server.ts";
import { startPostgres } from "../fixtures/postgres.ts";
import { startServer } from "../fixtures/server.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;

/**
 * The host's page joins first (so it is the meeting's host), turns the waiting room on, lets a guest in
 * while another joiner gives up, mutes the guest's microphone and removes them; both pages show each step.
 */
async function hostAdmitsMutesAndRemovesAGuest(
  serverUrl: string,
  transport: "websocket" | "webtransport",
  meetingId: string,
): Promise<void> {
  const browser = await launchBrowser();
  try {
    const host = await openMeetingPage(browser, serverUrl, "hostess", meetingId, { transport });
    await join(host.page);
    strictEqual(await host.page.evaluate(() => window.videocall.control().role), "host");
    await host.page.locator(".meeting-settings summary").click();
    await host.page.getByLabel(en["settings.waitingRoom"]).check();
    await host.page.waitForFunction(() => window.videocall.control().waitingRoom, null, {
      timeout: 20_000,
    });

    const guest = await openMeetingPage(browser, serverUrl, "guest", meetingId, { transport });
    await guest.page.getByRole("button", { name: "Join" }).click();
    await guest.page.waitForFunction(() => window.videocall.state === "waiting", null, {
      timeout: 15_000,
    });
    ok(await guest.page.getByText(en["waiting.title"]).isVisible(), "the guest sees the waiting room");
    strictEqual(await guest.page.locator(".tile.remote").count(), 0, "no tiles while waiting");

    // Someone who gives up waiting and leaves vanishes from the host's list.
    const walker = await openMeetingPage(browser, serverUrl, "walker", meetingId, { transport });
    await walker.page.getByRole("button", { name: "Join" }).click();
    await walker.page.waitForFunction(() => window.videocall.state === "waiting", null, {
      timeout: 15_000,
    });
    await host.page.waitForFunction(() => window.videocall.control().waiting.length === 2, null, {
      timeout: 20_000,
    });
    await walker.page.getByRole("button", { name: en["waiting.leave"] }).click();
    await host.page.waitForFunction(
      () => window.videocall.control().waiting.every((w) => w.displayName !== "walker"),
      null,
      { timeout: 20_000 },
    );
    await walker.context.close();

    const row = host.page.locator(".waiting-list li", { hasText: "guest" });
    await row.waitFor({ state: "visible", timeout: 20_000 });
    // While the guest waits (over several heartbeats), the host's camera and microphone run: none of it reaches the guest.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    strictEqual(
      await guest.page.evaluate(() => window.videocall.state),
      "waiting",
      "still waiting after heartbeats",
    );
    strictEqual(Object.keys(await peers(guest.page)).length, 0, "the waiting guest receives nobody");
    await row.getByRole("button", { name: en["participants.admit"] }).click();
    await guest.page
      .waitForFunction(() => window.videocall.state === "joined", null, { timeout: 15_000 })
      .catch(async (error: unknown) => {
        const guestState = await guest.page.evaluate(() => [window.videocall.state, window.videocall.error]);
        const hostState = await host.page.evaluate(() => window.videocall.control());
        const errorText = await host.page.locator(".participants-panel .error").allTextContents();
        throw new Error(
          `the guest was not let in: ${JSON.stringify({ guestState, hostState, errorText, guestErrors: guest.errors })}`,
          { cause: error },
        );
      });
    const guestSessionId = await guest.page.evaluate(() => window.videocall.sessionId ?? 0);
    await host.page.waitForFunction(
      (id) => (window.videocall.peers()[id]?.audioFramesDecoded ?? 0) > 20,
      guestSessionId,
      { timeout: 20_000 },
    );

    const participant = host.page.locator(`.participant-list li[data-session-id="${guestSessionId}"]`);
    await participant.getByRole("button", { name: en["participants.muteMic"] }).click();
    await guest.page.waitForFunction(
      () =>
        window.videocall.control().mutedByHost === "microphone" && window.videocall.control().microphoneMuted,
      null,
      { timeout: 20_000 },
    );
    ok(await guest.page.locator(".host-mute-notice").isVisible(), "the guest is told a host muted them");
    ok(await guest.page.getByRole("button", { name: en["toolbar.unmute"] }).isVisible(), "and may unmute");
    // The guest's audio stops reaching the host: the count of decoded frames stands still.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const framesAfterMute = (await peers(host.page))[guestSessionId]?.audioFramesDecoded ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const framesLater = (await peers(host.page))[guestSessionId]?.audioFramesDecoded ?? 0;
    ok(
      framesLater - framesAfterMute < 5,
      `audio kept flowing after the mute: ${framesAfterMute} -> ${framesLater}`,
    );

    await participant.getByRole("button", { name: en["participants.kick"], exact: true }).click();
    await guest.page.waitForFunction(() => window.videocall.state === "failed", null, {
      timeout: 20_000,
    });
    strictEqual(await guest.page.evaluate(() => window.videocall.closeCode), CloseCode.kicked);
    const refusal = guest.page.locator(".refusal");
    await refusal.waitFor({ state: "visible", timeout: 5000 });
    ok(((await refusal.textContent()) ?? "").includes(en["close.kicked"]), "the guest's page says why");
    await host.page.waitForFunction(
      (id) => !window.videocall.control().participants.some((p) => p.sessionId === id),
      guestSessionId,
      { timeout: 20_000 },
    );
  } finally {
    await browser.close();
  }
}

for (const transport of ["websocket", "webtransport"] as const) {
  Deno.test(
    `a host admits a guest from the waiting room, mutes their microphone and removes them (${transport})`,
    TEST_OPTIONS,
    async () => {
      const db = await openTestMeetingDatabase();
      const server = await startControlServer(db.directory);
      try {
        await hostAdmitsMutesAndRemovesAGuest(server.url, transport, `e2e-${transport}`);
      } finally {
        await server.shutdown();
        await db.close();
      }
    },
  );
}

Deno.test(
  "the product: a server process on a real PostgreSQL makes the first joiner host, who admits, mutes and removes a guest",
  TEST_OPTIONS,
  async () => {
    const postgres = await startPostgres();
    try {
      const server = await startServer({ extraArgs: ["--database-url", await postgres.createDatabase()] });
      try {
        // No test admitter here: the page fetches a room token (its guest cookie is its identity) and the
        // server's own admitter makes whoever opens the meeting first its host.
        await hostAdmitsMutesAndRemovesAGuest(server.url, "websocket", "e2e-postgres");
      } finally {
        await server.stop();
      }
    } finally {
      await postgres.stop();
    }
  },
);
