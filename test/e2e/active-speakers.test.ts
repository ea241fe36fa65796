/**
 * End-to-end: active speaker (issue 12 item 3). A real Chromium page in a meeting with three bots
 * from the client library that send scripted audio levels. The page's own microphone (Chromium's
 * fake device, a beep) is measured by the page's Opus publisher, so the relay lists the page among
 * the speakers; muted, it is not. The bot that talks gets the speaking ring, becomes dominant, and
 * the speaker view shows its tile large; when another bot takes over, the view follows. In a
 * meeting of 12 (the page and 11 bots sending real Opus, four of them talking) the page decodes the
 * audio of the three loudest only.
 */
import { ok } from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { OggOpusReader } from "../../packages/cli/src/ogg-opus-reader.ts";
import { encodeWithFfmpeg } from "../../packages/cli/src/test-media.ts";
import { join, launchBrowser, openMeetingPage, peers } from "../fixtures/browser.ts";
import { startServer } from "../fixtures/server.ts";
import { joinSpeakingBots, SPEECH_LEVEL, type SpeakingBot } from "../fixtures/speaking-bots.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const TEST_TIMEOUT_MS = 120_000;
const MEETING = "speakers";
const SCREENSHOT = Deno.env.get("SPEAKER_VIEW_SCREENSHOT");

async function waitInPage(page: Page, what: string, predicate: string, timeoutMs = 15_000): Promise<void> {
  try {
    await page.waitForFunction(predicate, null, { timeout: timeoutMs });
  } catch (error) {
    const speakers = await page.evaluate(() => window.videocall.speakers());
    throw new Error(`waiting for ${what}: ${String(error)}; speakers ${JSON.stringify(speakers)}`);
  }
}

/** The session ids whose tiles have the speaking ring. */
function ringed(page: Page): Promise<number[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>(".tile.remote.speaking")].map((tile) =>
      Number(tile.dataset.sessionId),
    ),
  );
}

Deno.test(
  "the page rings the speaking bot's tile and the speaker view shows the dominant speaker large",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    let browser: Browser | undefined;
    let bots: SpeakingBot[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`timed out after ${TEST_TIMEOUT_MS} ms`)),
            TEST_TIMEOUT_MS,
          );
        }),
        (async () => {
          browser = await launchBrowser();
          const viewer = await openMeetingPage(browser, server.url, "viewer", MEETING);
          const pageSessionId = await join(viewer.page);
          bots = await joinSpeakingBots(server.url, MEETING, 3, { prefix: "talker" });
          const [, bob, carol] = bots as [SpeakingBot, SpeakingBot, SpeakingBot];
          await waitInPage(
            viewer.page,
            "three remote tiles",
            "document.querySelectorAll('.tile.remote').length === 3",
          );

          // The page's microphone (a fake beep) carries levels the relay hears.
          await waitInPage(
            viewer.page,
            "the page's own beep among the speakers",
            `window.videocall.speakers().speakers.some((s) => s.sessionId === ${pageSessionId})`,
          );
          await viewer.page.getByRole("button", { name: "Mute", exact: true }).click();

          bob.level = SPEECH_LEVEL;
          const bobId = bob.session.sessionId;
          await waitInPage(
            viewer.page,
            "bob dominant",
            `window.videocall.speakers().dominantSessionId === ${bobId} &&
             !window.videocall.speakers().speakers.some((s) => s.sessionId === ${pageSessionId})`,
          );
          await waitInPage(
            viewer.page,
            "bob's ring",
            `document.querySelector('.tile.remote[data-session-id="${bobId}"]')?.classList.contains('speaking')`,
          );
          const rings = await ringed(viewer.page);
          ok(rings.length === 1 && rings[0] === bobId, `rings on ${JSON.stringify(rings)}, bob is ${bobId}`);

          await viewer.page.getByRole("button", { name: "Speaker view", exact: true }).click();
          await waitInPage(
            viewer.page,
            "bob's tile as the speaker view's large one",
            `document.querySelector('.grid.speaker-view .tile.dominant')?.dataset.sessionId === "${bobId}"`,
          );
          const sizes = await viewer.page.evaluate(() =>
            [...document.querySelectorAll<HTMLElement>(".grid .tile")].map((tile) => ({
              dominant: tile.classList.contains("dominant"),
              widthPx: tile.getBoundingClientRect().width,
            })),
          );
          const large = sizes.find((size) => size.dominant)?.widthPx ?? 0;
          ok(
            sizes.filter((size) => !size.dominant).every((size) => size.widthPx * 2 < large),
            `the dominant tile is not the large one: ${JSON.stringify(sizes)}`,
          );
          if (SCREENSHOT) await viewer.page.screenshot({ path: SCREENSHOT });

          // Carol takes over (bob stops): the view follows after the relay's hold time.
          bob.level = 0;
          carol.level = SPEECH_LEVEL;
          const carolId = carol.session.sessionId;
          await waitInPage(
            viewer.page,
            "carol's tile as the large one",
            `document.querySelector('.grid.speaker-view .tile.dominant')?.dataset.sessionId === "${carolId}"`,
          );
          await waitInPage(
            viewer.page,
            "only carol ringed",
            `document.querySelectorAll('.tile.remote.speaking').length === 1`,
          );
          ok((await ringed(viewer.page))[0] === carolId);

          await viewer.page.getByRole("button", { name: "Grid view", exact: true }).click();
          await waitInPage(viewer.page, "the grid again", "!document.querySelector('.grid.speaker-view')");
          const pageErrors = viewer.errors.filter((line) => line.startsWith("pageerror"));
          ok(pageErrors.length === 0, pageErrors.join("\n"));
        })(),
      ]);
    } finally {
      clearTimeout(timer);
      await Promise.all(bots.map((bot) => bot.stop().catch(() => {})));
      await browser?.close();
      await server.stop();
    }
  },
);

/** 20 ms Opus packets of a 440 Hz tone, made by ffmpeg as the CLI makes them. */
async function opusTone(): Promise<Uint8Array[]> {
  const ogg = await encodeWithFfmpeg([
    ...["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "4"],
    ...["-ac", "1", "-c:a", "libopus", "-b:a", "32k", "-frame_duration", "20", "-application", "lowdelay"],
    ...["-f", "ogg"],
  ]);
  return new OggOpusReader().push(ogg);
}

Deno.test(
  "a Chromium page in a meeting of 12 decodes only the three loudest speakers' audio",
  TEST_OPTIONS,
  async () => {
    const audioPackets = await opusTone();
    const server = await startServer();
    let browser: Browser | undefined;
    let bots: SpeakingBot[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`timed out after ${TEST_TIMEOUT_MS} ms`)),
            TEST_TIMEOUT_MS,
          );
        }),
        (async () => {
          browser = await launchBrowser();
          const viewer = await openMeetingPage(browser, server.url, "viewer", "top3-page");
          await join(viewer.page);
          await viewer.page.getByRole("button", { name: "Mute", exact: true }).click();
          bots = await joinSpeakingBots(server.url, "top3-page", 11, { prefix: "bot", audioPackets });
          // The grid pages 9 remote tiles at a time: 11 participants, the first 9 on screen.
          await waitInPage(
            viewer.page,
            "11 remote participants, 9 tiles on the first page",
            "Object.keys(window.videocall.peers()).length === 11 && document.querySelectorAll('.tile.remote').length === 9",
          );
          const talkers = bots.slice(0, 4);
          [115, 112, 110, 95].forEach((level, i) => {
            (talkers[i] as SpeakingBot).level = level;
          });
          await new Promise((resolve) => setTimeout(resolve, 2000));
          const before = await peers(viewer.page);
          await new Promise((resolve) => setTimeout(resolve, 3000));
          const after = await peers(viewer.page);
          const decoded = bots.map((bot) => {
            const id = bot.session.sessionId;
            return {
              name: bot.name,
              frames: (after[id]?.audioFramesDecoded ?? 0) - (before[id]?.audioFramesDecoded ?? 0),
            };
          });
          console.log(`audio frames decoded by the page in 3 s: ${JSON.stringify(decoded)}`);
          for (const entry of decoded.slice(0, 3))
            ok(entry.frames > 75, `${entry.name}: ${entry.frames} frames`);
          for (const entry of decoded.slice(3))
            ok(entry.frames === 0, `${entry.name}: ${entry.frames} frames`);
        })(),
      ]);
    } finally {
      clearTimeout(timer);
      await Promise.all(bots.map((bot) => bot.stop().catch(() => {})));
      await browser?.close();
      await server.stop();
    }
  },
);
