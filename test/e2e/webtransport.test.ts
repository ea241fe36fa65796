/**
 * End-to-end over WebTransport: real relay server on loopback (QUIC on the HTTP port number), real
 * headless Chromium with no flags beyond the fake devices (the page pins the server's development
 * certificate with `serverCertificateHashes`), the built web app (`npm run build:web` first).
 */
import { ok } from "node:assert/strict";
import { Codec, joinMeeting, MediaKind, type MeetingSession } from "@videocall/client";
import type { Browser, Page } from "playwright-core";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import {
  AUDIBLE_RMS,
  MEDIA_TIMEOUT_MS,
  MIN_VIDEO_FRAMES,
  waitForAudio,
  waitForVideo,
} from "../fixtures/media-expectations.ts";
import { startServer, type TestServer, type TestServerOptions } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const TEST_TIMEOUT_MS = 150_000;
/** Set to a directory to keep screenshots of the transport badge and the reconnecting banner. */
const SCREENSHOT_DIR = Deno.env.get("E2E_SCREENSHOT_DIR");

interface Call {
  servers: TestServer[];
  browsers: Browser[];
  sessions: MeetingSession[];
}

/** Runs `body` with a fresh server; what it registers in `call` is closed or stopped after. */
async function withServer(
  body: (call: Call, server: TestServer) => Promise<void>,
  options: TestServerOptions = {},
): Promise<void> {
  const server = await startServer(options);
  const call: Call = { servers: [server], browsers: [], sessions: [] };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`test timed out after ${TEST_TIMEOUT_MS} ms`)),
      TEST_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([body(call, server), timeout]);
  } finally {
    clearTimeout(timer);
    await Promise.allSettled(call.sessions.map((session) => session.leave()));
    await Promise.race([
      Promise.allSettled(call.browsers.map((browser) => browser.close())),
      new Promise((resolve) => setTimeout(resolve, 10_000)),
    ]);
    await Promise.all(call.servers.map((s) => s.stop()));
  }
}

async function newBrowser(call: Call): Promise<Browser> {
  const browser = await launchBrowser();
  call.browsers.push(browser);
  return browser;
}

/** Clicks Join and returns the session id and how long joining took as the test saw it. */
async function timedJoin(page: Page): Promise<{ sessionId: number; joinMs: number }> {
  const startedAt = performance.now();
  const sessionId = await join(page);
  return { sessionId, joinMs: performance.now() - startedAt };
}

async function transportOf(page: Page): Promise<string | undefined> {
  return await page.evaluate(() => window.videocall.transport);
}

/** Both pages receive video and audible audio from each other. */
async function assertSeeAndHear(a: Page, aId: number, b: Page, bId: number): Promise<void> {
  const [framesAtA, framesAtB] = await Promise.all([waitForVideo(a, bId), waitForVideo(b, aId)]);
  ok(framesAtA > MIN_VIDEO_FRAMES && framesAtB > MIN_VIDEO_FRAMES);
  const [rmsAtA, rmsAtB] = await Promise.all([waitForAudio(a, bId), waitForAudio(b, aId)]);
  ok(rmsAtA > AUDIBLE_RMS && rmsAtB > AUDIBLE_RMS);
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (SCREENSHOT_DIR) await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png` });
}

/** A UDP socket that reads nothing and answers nothing: what a browser meets when UDP is blocked. */
function blackHoleUdpPort(): Deno.DatagramConn {
  return Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
}

function logFigures(figures: Record<string, unknown>): void {
  console.log(`    ${JSON.stringify(figures)}`);
}

Deno.test("without a transport parameter, two pages talk over WebTransport", TEST_OPTIONS, async () => {
  await withServer(async (call, server) => {
    const alice = await openMeetingPage(await newBrowser(call), server.url, "alice", "wt-standup");
    const bob = await openMeetingPage(await newBrowser(call), server.url, "bob", "wt-standup");
    const aliceJoin = await timedJoin(alice.page);
    const bobJoin = await timedJoin(bob.page);
    if (
      (await transportOf(bob.page)) !== "webtransport" ||
      (await transportOf(alice.page)) !== "webtransport"
    ) {
      // Why WebTransport lost: the relay logs each session's transport, join and leave.
      console.log(
        server
          .output()
          .split("\n")
          .filter((l) => /webtransport|joined|left/i.test(l))
          .join("\n"),
      );
      console.log([...alice.errors, ...bob.errors].join("\n"));
    }
    ok((await transportOf(alice.page)) === "webtransport", `alice uses ${await transportOf(alice.page)}`);
    ok((await transportOf(bob.page)) === "webtransport", `bob uses ${await transportOf(bob.page)}`);
    const badge = alice.page.locator(".transport-badge");
    ok((await badge.textContent()) === "WebTransport", "the header names the transport");

    await assertSeeAndHear(alice.page, aliceJoin.sessionId, bob.page, bobJoin.sessionId);
    const fps = await alice.page.evaluate((id) => window.videocall.peers()[id]?.videoFps, bobJoin.sessionId);
    logFigures({ joinMs: [aliceJoin.joinMs, bobJoin.joinMs].map(Math.round), fpsAtAlice: fps });
    await screenshot(alice.page, "webtransport-badge");
    ok(alice.errors.length === 0 && bob.errors.length === 0, [...alice.errors, ...bob.errors].join("\n"));
  });
});

Deno.test("a WebSocket page and a WebTransport page see and hear each other", TEST_OPTIONS, async () => {
  await withServer(async (call, server) => {
    const alice = await openMeetingPage(await newBrowser(call), server.url, "alice", "mixed", {
      transport: "websocket",
    });
    const bob = await openMeetingPage(await newBrowser(call), server.url, "bob", "mixed");
    const aliceJoin = await timedJoin(alice.page);
    const bobJoin = await timedJoin(bob.page);
    ok((await transportOf(alice.page)) === "websocket", "alice was told to use WebSocket");
    ok(
      (await transportOf(bob.page)) === "webtransport",
      `bob uses ${await transportOf(bob.page)}; bob's page said: ${bob.errors.join(" | ")}; relay: ${server
        .output()
        .split("\n")
        .filter((line) => /"msg":"(joined|left|closing|webtransport)/.test(line))
        .join("\n")}`,
    );
    ok((await alice.page.locator(".transport-badge").textContent()) === "WebSocket");

    await assertSeeAndHear(alice.page, aliceJoin.sessionId, bob.page, bobJoin.sessionId);
    logFigures({
      joinMsWebSocket: Math.round(aliceJoin.joinMs),
      joinMsWebTransport: Math.round(bobJoin.joinMs),
    });
    await screenshot(alice.page, "websocket-badge");
  });
});

Deno.test("when UDP goes unanswered, the page joins over WebSocket within 3 s", TEST_OPTIONS, async () => {
  const blackHole = blackHoleUdpPort();
  try {
    const deadPort = (blackHole.addr as Deno.NetAddr).port;
    await withServer(
      async (call, server) => {
        const info = await (await fetch(`${server.url}/api/webtransport`)).json();
        ok(info.port === deadPort, `the server advertises the dead port: ${JSON.stringify(info)}`);
        const alice = await openMeetingPage(await newBrowser(call), server.url, "alice", "blocked-udp");
        const { joinMs } = await timedJoin(alice.page);
        ok((await transportOf(alice.page)) === "websocket", "alice fell back to WebSocket");
        // The page gives WebTransport a 1 s head start, then WebSocket joins in a few hundred ms.
        ok(joinMs < 3000, `joined after ${joinMs.toFixed(0)} ms`);
        logFigures({ fallbackJoinMs: Math.round(joinMs) });
      },
      { extraArgs: ["--webtransport-public-port", String(deadPort)] },
    );
  } finally {
    blackHole.close();
  }
});

Deno.test(
  "after a server restart on the same ports, both pages reconnect and video flows again",
  TEST_OPTIONS,
  async () => {
    await withServer(async (call, first) => {
      const alice = await openMeetingPage(await newBrowser(call), first.url, "alice", "restart");
      const bob = await openMeetingPage(await newBrowser(call), first.url, "bob", "restart");
      const aliceId = (await timedJoin(alice.page)).sessionId;
      const bobId = (await timedJoin(bob.page)).sessionId;
      await waitForVideo(alice.page, bobId, 10);

      const stoppedAt = performance.now();
      await first.stop();
      call.servers.splice(call.servers.indexOf(first), 1);
      await Promise.all(
        [alice.page, bob.page].map((page) =>
          page.waitForFunction(() => window.videocall.state === "reconnecting", null, { timeout: 5000 }),
        ),
      );
      const banner = alice.page.locator(".reconnect-banner");
      ok(/reconnecting \(attempt \d+\)/.test((await banner.textContent()) ?? ""), "the banner says so");
      await screenshot(alice.page, "reconnecting-banner");

      call.servers.push(await startServer({ port: first.port }));
      // The pages back off (0.3, 1, 2, 4, 7 s, then about 8 s) while the server is down, and the new
      // server opens its database before it admits anyone: give them two full backoff steps.
      await Promise.all(
        [alice.page, bob.page].map((page) =>
          page.waitForFunction(() => window.videocall.state === "joined", null, { timeout: 40_000 }),
        ),
      );
      const reconnectMs = performance.now() - stoppedAt;
      ok(await banner.isHidden(), "the banner is gone once back");

      const newAliceId = await alice.page.evaluate(() => window.videocall.sessionId ?? 0);
      const newBobId = await bob.page.evaluate(() => window.videocall.sessionId ?? 0);
      ok(newAliceId !== aliceId || newBobId !== bobId, "the new server gave new session ids");
      const [framesAtAlice, framesAtBob] = await Promise.all([
        waitForVideo(alice.page, newBobId),
        waitForVideo(bob.page, newAliceId),
      ]);
      const seenByAlice = await alice.page.evaluate(() => window.videocall.peers());
      ok(!(bobId in seenByAlice) || bobId === newBobId, "bob's old session is gone from alice's page");
      ok((await alice.page.locator(".tile.remote").count()) === 1, "alice shows exactly one remote tile");
      logFigures({
        reconnectMs: Math.round(reconnectMs),
        transports: [await transportOf(alice.page), await transportOf(bob.page)],
        framesAfter: [framesAtAlice, framesAtBob],
      });
    });
  },
);

Deno.test("a Deno client over WebTransport and a browser page share a meeting", TEST_OPTIONS, async () => {
  await withServer(async (call, server) => {
    const alice = await openMeetingPage(await newBrowser(call), server.url, "alice", "bots");
    const aliceId = (await timedJoin(alice.page)).sessionId;

    const bot = await joinMeeting({
      serverUrl: server.url,
      username: "deno-bot",
      meetingId: "bots",
      transport: "webtransport",
      reconnect: false,
    });
    call.sessions.push(bot);
    ok(bot.transportKind === "webtransport", `the bot uses ${bot.transportKind}`);
    // A camera that is off: the page shows the bot's name instead of video.
    bot.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8, muted: true });

    const received = { video: 0, audio: 0, videoCodecs: new Set<number>(), audioCodecs: new Set<number>() };
    bot.events.on("media", (from, media) => {
      if (from !== aliceId) return;
      if (media.kind === MediaKind.VIDEO) {
        received.video++;
        received.videoCodecs.add(media.codec);
      } else if (media.kind === MediaKind.AUDIO) {
        received.audio++;
        received.audioCodecs.add(media.codec);
      }
    });
    await waitFor(
      `more than ${MIN_VIDEO_FRAMES} video and 20 audio frames from alice`,
      () => received.video > MIN_VIDEO_FRAMES && received.audio > 20,
      MEDIA_TIMEOUT_MS,
    ).catch(async (error) => {
      const counters = (await server.metrics())
        .split("\n")
        .filter((line) => /^videocall_(packets|bad_input|connections)/.test(line))
        .join("; ");
      const page = await alice.page.evaluate(() => ({
        state: window.videocall.state,
        transport: window.videocall.transport,
        warnings: window.videocall.mediaWarnings,
        local: window.videocall.local(),
      }));
      throw new Error(
        `the bot received ${received.video} video, ${received.audio} audio frames; page ${JSON.stringify(page)}; page errors ${JSON.stringify(alice.errors)}; relay ${counters}; relay log: ${server
          .output()
          .split("\n")
          .filter((line) => /webtransport|joined|left/.test(line))
          .join("\n")}`,
        { cause: error },
      );
    });
    // The page publishes its default codec, VP8, and Opus.
    ok([...received.videoCodecs].join() === String(Codec.VP8), `video codecs ${[...received.videoCodecs]}`);
    ok([...received.audioCodecs].join() === String(Codec.OPUS), `audio codecs ${[...received.audioCodecs]}`);

    const botTile = alice.page.locator(".tile.remote", { hasText: "deno-bot" });
    await botTile.waitFor({ state: "visible", timeout: 10_000 });
    ok(await botTile.evaluate((tile) => tile.classList.contains("camera-off")), "the bot's name is shown");
    const seen = await alice.page.evaluate(() => window.videocall.peers());
    ok(seen[bot.sessionId]?.username === "deno-bot" && seen[bot.sessionId]?.hasTile);
    logFigures({ botReceived: { video: received.video, audio: received.audio }, bot: bot.stats() });
  });
});
