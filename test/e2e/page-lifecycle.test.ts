/**
 * Lifecycles in the browser (issue 9 item 8): a page that joins a call, receives a peer's video and
 * audio, leaves and rejoins 20 times keeps no workers or AudioContexts from earlier calls. The
 * counts come from an init script that wraps `Worker` and `AudioContext` before the app loads
 * (test code only: the app is not told).
 */
import { ok } from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { startServer } from "../fixtures/server.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const CYCLES = 20;
const TEST_TIMEOUT_MS = 400_000;
const MEETING = "revolving-door";
/** The page's teardown ends workers 500 ms after asking them to stop: sample after that. */
const SETTLE_MS = 1500;

interface LiveCounts {
  workersCreated: number;
  workersLive: number;
  audioContextsCreated: number;
  audioContextsLive: number;
}

declare global {
  interface Window {
    lifecycleCounts?: () => LiveCounts;
  }
}

async function countWorkersAndAudioContexts(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const counts = { workersCreated: 0, workersTerminated: 0, contextsCreated: 0, contextsClosed: 0 };
    const RealWorker = window.Worker;
    class CountingWorker extends RealWorker {
      #terminated = false;
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        counts.workersCreated++;
      }
      override terminate(): void {
        if (!this.#terminated) counts.workersTerminated++;
        this.#terminated = true;
        super.terminate();
      }
    }
    window.Worker = CountingWorker;
    const RealAudioContext = window.AudioContext;
    class CountingAudioContext extends RealAudioContext {
      #closed = false;
      constructor(options?: AudioContextOptions) {
        super(options);
        counts.contextsCreated++;
      }
      override async close(): Promise<void> {
        await super.close();
        if (!this.#closed) counts.contextsClosed++;
        this.#closed = true;
      }
    }
    window.AudioContext = CountingAudioContext;
    window.lifecycleCounts = () => ({
      workersCreated: counts.workersCreated,
      workersLive: counts.workersCreated - counts.workersTerminated,
      audioContextsCreated: counts.contextsCreated,
      audioContextsLive: counts.contextsCreated - counts.contextsClosed,
    });
  });
}

const countsOf = (page: Page) => page.evaluate(() => window.lifecycleCounts!());

Deno.test(
  `${CYCLES} join/leave cycles of a page leave no workers or AudioContexts behind`,
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    const browsers: Browser[] = [];
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
          for (let i = 0; i < 2; i++) browsers.push(await launchBrowser());
          const host = await openMeetingPage(browsers[0]!, server.url, "host", MEETING);
          const hostId = await join(host.page);
          const guest = await openMeetingPage(browsers[1]!, server.url, "guest", MEETING, {
            beforeLoad: countWorkersAndAudioContexts,
          });
          const atRest: LiveCounts[] = [];
          const inCall: LiveCounts[] = [];
          for (let cycle = 1; cycle <= CYCLES; cycle++) {
            await join(guest.page);
            // In the call for real: the host's video decodes (a decoder worker) and its audio plays.
            await guest.page.waitForFunction(
              (id) => {
                const peer = window.videocall.peers()[id];
                return (peer?.videoFramesDecoded ?? 0) > 5 && (peer?.audioFramesDecoded ?? 0) > 5;
              },
              hostId,
              { timeout: 30_000, polling: 100 },
            );
            inCall.push(await countsOf(guest.page));
            await guest.page.getByRole("button", { name: "Leave" }).click();
            await guest.page.waitForFunction(() => window.videocall.state === "left");
            await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
            atRest.push(await countsOf(guest.page));
            await guest.page.getByRole("button", { name: "Rejoin" }).click();
            await guest.page.waitForFunction(
              () =>
                window.videocall.state === "preview" &&
                !document.querySelector<HTMLButtonElement>("button.primary")?.disabled,
            );
          }
          const last = atRest.at(-1)!;
          console.log(
            JSON.stringify({
              cycles: CYCLES,
              inCall: inCall.map((c) => `${c.workersLive}w/${c.audioContextsLive}a`).join(" "),
              atRest: atRest.map((c) => `${c.workersLive}w/${c.audioContextsLive}a`).join(" "),
              created: { workers: last.workersCreated, audioContexts: last.audioContextsCreated },
            }),
          );
          ok(last.workersCreated >= 2 * CYCLES, `each call started its workers (${last.workersCreated})`);
          ok(
            last.audioContextsCreated >= CYCLES,
            `each call opened an AudioContext (${last.audioContextsCreated})`,
          );
          for (const [index, counts] of atRest.entries()) {
            ok(
              counts.workersLive === 0,
              `after leave ${index + 1}, ${counts.workersLive} workers still live`,
            );
            ok(
              counts.audioContextsLive === 0,
              `after leave ${index + 1}, ${counts.audioContextsLive} AudioContexts still open`,
            );
          }
          const pageErrors = guest.errors.filter((error) => error.startsWith("pageerror"));
          ok(pageErrors.length === 0, pageErrors.join("\n"));
        })(),
      ]);
    } finally {
      clearTimeout(timer);
      await Promise.race([
        Promise.allSettled(browsers.map((browser) => browser.close())),
        new Promise((resolve) => setTimeout(resolve, 10_000)),
      ]);
      await server.stop();
    }
  },
);
