/**
 * End-to-end: real relay server on loopback, real headless Chromium pages with fake camera and
 * microphone, the built web app (`npm run build:web` first). Each test has its own server and browsers.
 *
 * Alice and Bob each get their own browser: within one browser, Chromium's echo canceller hears the
 * other page play the same fake-microphone tone and removes it from the local microphone.
 */
import { ok } from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { AUDIBLE_RMS, MIN_VIDEO_FRAMES, waitForAudio, waitForVideo } from "../fixtures/media-expectations.ts";
import { startServer, type TestServer } from "../fixtures/server.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
/** A hung browser must fail the test, not the whole run: the cleanup in `withServer` still runs. */
const TEST_TIMEOUT_MS = 90_000;

interface Call {
  server: TestServer;
  browsers: Browser[];
}

/** Runs `body` with a fresh server; browsers it registers are closed, and the server stopped, after. */
async function withServer(body: (call: Call) => Promise<void>): Promise<void> {
  const call: Call = { server: await startServer(), browsers: [] };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`test timed out after ${TEST_TIMEOUT_MS} ms`)),
      TEST_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([body(call), timeout]);
  } finally {
    clearTimeout(timer);
    // A wedged browser must not hang the run: give closing 10 s, then move on to the server.
    await Promise.race([
      Promise.allSettled(call.browsers.map((browser) => browser.close())),
      new Promise((resolve) => setTimeout(resolve, 10_000)),
    ]);
    await call.server.stop();
  }
}

interface LatencyStages {
  arrived: number;
  decoded: number;
  glassToGlass: number;
  sound: number;
}

/**
 * Whole ms each, and each the last frame to reach its stage: a later stage may read a little below
 * an earlier one (arrival and decode are a few ms apart on a clean loopback call).
 */
const STAGE_SLACK_MS = 3;
/** Samples of the latency stages read for their medians: each figure is its own last frame's. */
const STAGE_SAMPLES = 8;

/**
 * The medians of the first peer row of the diagnostics panel's latency stages, over STAGE_SAMPLES
 * reads 250 ms apart with every stage filled in: each stage is the last frame that reached it, so
 * one read may compare two frames (a late arrival against the frame decoded before it).
 */
async function waitForLatencyStages(page: Page): Promise<LatencyStages> {
  const row = page.locator(".diagnostics table.latency-stages tbody tr").first();
  const samples: LatencyStages[] = [];
  const deadline = Date.now() + 20_000;
  while (samples.length < STAGE_SAMPLES) {
    const read = async (name: string) => Number((await row.getAttribute(name)) || Number.NaN);
    const stages = {
      arrived: await read("data-capture-to-arrival-ms"),
      decoded: await read("data-capture-to-decoded-ms"),
      glassToGlass: await read("data-glass-to-glass-ms"),
      sound: await read("data-audio-path-ms"),
    };
    if (Object.values(stages).every(Number.isFinite)) samples.push(stages);
    else if (Date.now() > deadline)
      throw new Error(`latency stages not all shown: ${JSON.stringify(stages)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const median = (field: keyof LatencyStages) =>
    samples.map((sample) => sample[field]).sort((a, b) => a - b)[Math.floor(samples.length / 2)] ??
    Number.NaN;
  return {
    arrived: median("arrived"),
    decoded: median("decoded"),
    glassToGlass: median("glassToGlass"),
    sound: median("sound"),
  };
}

async function newBrowser(call: Call, fakeDevices = true): Promise<Browser> {
  const browser = await launchBrowser({ fakeDevices });
  call.browsers.push(browser);
  return browser;
}

Deno.test("alice and bob see and hear each other", TEST_OPTIONS, async () => {
  await withServer(async (call) => {
    const alice = await openMeetingPage(await newBrowser(call), call.server.url, "alice", "standup");
    const bob = await openMeetingPage(await newBrowser(call), call.server.url, "bob", "standup");
    const aliceId = await join(alice.page);
    const bobId = await join(bob.page);

    const [bobFrames, aliceFrames] = await Promise.all([
      waitForVideo(alice.page, bobId),
      waitForVideo(bob.page, aliceId),
    ]);
    ok(bobFrames > MIN_VIDEO_FRAMES && aliceFrames > MIN_VIDEO_FRAMES);
    const [bobRms, aliceRms] = await Promise.all([
      waitForAudio(alice.page, bobId),
      waitForAudio(bob.page, aliceId),
    ]);
    ok(bobRms > AUDIBLE_RMS && aliceRms > AUDIBLE_RMS);

    const seenByAlice = await alice.page.evaluate(() => window.videocall.peers());
    ok(seenByAlice[bobId]?.username === "bob" && seenByAlice[bobId].hasTile, "alice shows a tile named bob");
    ok(await alice.page.locator(".tile.remote", { hasText: "bob" }).isVisible(), "bob's tile is on screen");

    // The diagnostics panel says where each peer's latency goes, in the order a frame passes the stages.
    const stages = await waitForLatencyStages(alice.page);
    console.log(
      `alice's diagnostics, bob's latency stages (medians, ms after capture): ${JSON.stringify(stages)}`,
    );
    ok(
      stages.arrived >= 0 &&
        stages.arrived <= stages.decoded + STAGE_SLACK_MS &&
        stages.decoded <= stages.glassToGlass + STAGE_SLACK_MS,
      `capture → arrived ≤ decoded ≤ on screen: ${JSON.stringify(stages)}`,
    );
    ok(
      stages.sound > 0 && stages.sound < 2_000,
      `bob's sound is heard a plausible time after capture: ${stages.sound}`,
    );
    const encoderMs = await bob.page
      .locator(".diagnostics [data-capture-to-encoded-ms]")
      .getAttribute("data-capture-to-encoded-ms");
    ok(
      encoderMs !== null && encoderMs !== "" && Number(encoderMs) >= 0,
      `bob's encoder latency is shown: ${encoderMs}`,
    );
    ok(alice.errors.length === 0 && bob.errors.length === 0, [...alice.errors, ...bob.errors].join("\n"));
  });
});

Deno.test("when bob leaves, his tile disappears from alice's page within 5 s", TEST_OPTIONS, async () => {
  await withServer(async (call) => {
    const alice = await openMeetingPage(await newBrowser(call), call.server.url, "alice", "retro");
    const bob = await openMeetingPage(await newBrowser(call), call.server.url, "bob", "retro");
    await join(alice.page);
    const bobId = await join(bob.page);
    await waitForVideo(alice.page, bobId, 5);

    const leftAtMs = performance.now();
    await bob.page.getByRole("button", { name: "Leave" }).click();
    await alice.page.locator(".tile.remote").waitFor({ state: "detached", timeout: 5000 });
    const goneAfterMs = performance.now() - leftAtMs;
    ok(goneAfterMs < 5000, `tile gone after ${goneAfterMs.toFixed(0)} ms`);
    ok(
      !(await alice.page.evaluate((id) => id in window.videocall.peers(), bobId)),
      "bob is no longer a peer",
    );
    ok((await bob.page.evaluate(() => window.videocall.state)) === "left");
  });
});

Deno.test("a participant without a camera is told so, joins, and sees the others", TEST_OPTIONS, async () => {
  await withServer(async (call) => {
    const alice = await openMeetingPage(await newBrowser(call), call.server.url, "alice", "all-hands");
    const carol = await openMeetingPage(await newBrowser(call), call.server.url, "carol", "all-hands", {
      denyCamera: true,
    });
    const warning = carol.page.getByTestId("media-warning");
    await warning.first().waitFor({ state: "visible" });
    ok(/camera/i.test((await warning.first().textContent()) ?? ""), "the message names the camera");

    const aliceId = await join(alice.page);
    const carolId = await join(carol.page);
    const frames = await waitForVideo(carol.page, aliceId);
    ok(frames > MIN_VIDEO_FRAMES);
    // Alice shows carol's tile with the name placeholder, since carol sends no video.
    const carolTile = alice.page.locator(".tile.remote", { hasText: "carol" });
    await carolTile.waitFor({ state: "visible", timeout: 10_000 });
    ok(await carolTile.evaluate((tile) => tile.classList.contains("camera-off")), "placeholder shown");
    ok(await warning.first().isVisible(), "the message stays visible in the call");
    ok(carolId > 0);
  });
});
