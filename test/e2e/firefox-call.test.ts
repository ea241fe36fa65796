/**
 * End-to-end in Firefox (firefox-esr through puppeteer-core over WebDriver BiDi, fake camera and
 * microphone, test/fixtures/firefox.ts): real relay server on loopback, the built web app
 * (`npm run build:web` first). Firefox has no MediaStreamTrackProcessor, so these pages publish
 * through the `<video>` + VideoFrame and AudioWorklet capture (media/publish/*-source.ts).
 * Each participant has its own Firefox, so no page hears the other's tone in its own echo canceller.
 */
import { ok } from "node:assert/strict";
import {
  type CallPage,
  clickButton,
  joinCall,
  openChromiumCallPage,
  peersOf,
  waitForAudioFrom,
  waitForVideoFrom,
  waitInPage,
} from "../fixtures/call-page.ts";
import { withEngineCall } from "../fixtures/engine-call.ts";
import { firefoxInstalled, openFirefoxCallPage } from "../fixtures/firefox.ts";
import { AUDIBLE_RMS, MIN_VIDEO_FRAMES } from "../fixtures/media-expectations.ts";

const TEST_OPTIONS = {
  sanitizeOps: false,
  sanitizeResources: false,
  // scripts/install-test-deps.sh installs it; without it, say so instead of failing obscurely.
  ignore: !(await firefoxInstalled()),
} as const;

function logFigures(figures: Record<string, unknown>): void {
  console.log(`    ${JSON.stringify(figures)}`);
}

/** The frame rate `page` decodes `fromSessionId` at, over `windowMs` (counted, not the page's meter). */
async function measuredFps(page: CallPage, fromSessionId: number, windowMs = 3000): Promise<number> {
  const before = (await peersOf(page))[fromSessionId]?.videoFramesDecoded ?? 0;
  const startedAt = performance.now();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const after = (await peersOf(page))[fromSessionId]?.videoFramesDecoded ?? 0;
  return Math.round(((after - before) * 10_000) / (performance.now() - startedAt)) / 10;
}

/** Waits until `counter` stops growing: over 2 s it rises by at most `slack`. */
async function waitUntilStill(read: () => Promise<number>, slack: number, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const before = await read();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await read();
    if (after - before <= slack) return;
    if (performance.now() > deadline) throw new Error(`still growing: ${before} → ${after} in 2 s`);
  }
}

for (const transport of ["webtransport", "websocket"] as const) {
  Deno.test(
    `firefox over ${transport}: two pages see and hear each other, mute and camera off stop it at the other end, leave removes the tile`,
    TEST_OPTIONS,
    async () => {
      await withEngineCall(async (call) => {
        const meeting = `firefox-${transport}`;
        const [foxA, foxB] = await Promise.all([call.firefox(), call.firefox()]);
        const alice = await openFirefoxCallPage(foxA, call.server.url, "alice", meeting, { transport });
        const bob = await openFirefoxCallPage(foxB, call.server.url, "bob", meeting, { transport });
        const aliceId = await joinCall(alice);
        const bobId = await joinCall(bob);
        for (const page of [alice, bob]) {
          ok((await page.evaluate(() => window.videocall.transport, 0)) === transport, `${transport} in use`);
        }

        const [bobFrames, aliceFrames] = await Promise.all([
          waitForVideoFrom(alice, bobId),
          waitForVideoFrom(bob, aliceId),
        ]);
        ok(bobFrames > MIN_VIDEO_FRAMES && aliceFrames > MIN_VIDEO_FRAMES);
        const [bobRms, aliceRms] = await Promise.all([
          waitForAudioFrom(alice, bobId),
          waitForAudioFrom(bob, aliceId),
        ]);
        ok(bobRms > AUDIBLE_RMS && aliceRms > AUDIBLE_RMS);
        const seenByAlice = (await peersOf(alice))[bobId];
        ok(seenByAlice?.username === "bob" && seenByAlice.hasTile, "alice shows a tile named bob");
        ok((seenByAlice.videoTracks[0]?.decoderErrors ?? 1) === 0, "no decoder errors");
        const [fpsAtAlice, fpsAtBob] = await Promise.all([
          measuredFps(alice, bobId),
          measuredFps(bob, aliceId),
        ]);
        const local = await bob.evaluate(() => window.videocall.local(), 0);
        ok(
          local.cameraLayers.every((layer) => layer.scalabilityMode !== "L1T1"),
          "Firefox encoders never get L1T1",
        );
        logFigures({
          transport,
          fpsAtAlice,
          fpsAtBob,
          bobLayers: local.cameraLayers.map((l) => l.scalabilityMode),
        });

        // Bob mutes: alice's playout of him falls silent and his audio frames stop arriving.
        await clickButton(bob, "Mute");
        await waitInPage(
          alice,
          ([id, quiet]) => (window.videocall.peers()[id]?.audioRms ?? 1) < quiet,
          [bobId, AUDIBLE_RMS / 10] as const,
          10_000,
        );
        await waitUntilStill(async () => (await peersOf(alice))[bobId]?.audioFramesDecoded ?? 0, 2);

        // Bob turns his camera off: his frames stop and alice shows his placeholder.
        await clickButton(bob, "Camera off");
        await waitInPage(
          alice,
          () => document.querySelector(".tile.remote.camera-off") !== null,
          undefined,
          10_000,
        );
        await waitUntilStill(async () => (await peersOf(alice))[bobId]?.videoFramesDecoded ?? 0, 2);

        await clickButton(bob, "Leave");
        await waitInPage(alice, () => document.querySelector(".tile.remote") === null, undefined, 10_000);
        ok(!((await peersOf(alice)) as Record<number, unknown>)[bobId], "bob is no longer a peer");
        ok((await bob.evaluate(() => window.videocall.state, 0)) === "left");
        ok(alice.errors.length === 0 && bob.errors.length === 0, [...alice.errors, ...bob.errors].join("\n"));
      });
    },
  );
}

Deno.test(
  "firefox: after the server drops every connection (restart on the same ports), both pages reconnect and video flows again",
  TEST_OPTIONS,
  async () => {
    await withEngineCall(async (call) => {
      const [foxA, foxB] = await Promise.all([call.firefox(), call.firefox()]);
      const alice = await openFirefoxCallPage(foxA, call.server.url, "alice", "firefox-restart");
      const bob = await openFirefoxCallPage(foxB, call.server.url, "bob", "firefox-restart");
      const aliceId = await joinCall(alice);
      const bobId = await joinCall(bob);
      await waitForVideoFrom(alice, bobId, 10);
      const transport = await alice.evaluate(() => window.videocall.transport, 0);

      const stoppedAt = performance.now();
      const restarted = call.restart();
      await Promise.all(
        [alice, bob].map((page) =>
          waitInPage(page, () => window.videocall.state === "reconnecting", undefined, 10_000),
        ),
      );
      await restarted;
      // The pages back off (up to about 8 s) while the server is down: give them room.
      await Promise.all(
        [alice, bob].map((page) =>
          waitInPage(
            page,
            () => window.videocall.state === "joined",
            undefined,
            45_000,
            // Where a page got stuck (reconnecting, failed and why, which transport), and its errors.
            async () =>
              `${JSON.stringify(
                await page.evaluate(
                  () => ({
                    state: window.videocall.state,
                    error: window.videocall.error,
                    transport: window.videocall.transport,
                  }),
                  0,
                ),
              )} errors: ${page.errors.join(" | ")}`,
          ),
        ),
      );
      const reconnectMs = Math.round(performance.now() - stoppedAt);
      const sessionIds = async () => [
        await alice.evaluate(() => window.videocall.sessionId ?? 0, 0),
        await bob.evaluate(() => window.videocall.sessionId ?? 0, 0),
      ];
      const [newAliceId, newBobId] = await sessionIds();
      ok(newAliceId !== aliceId && newBobId !== bobId, "the new server gave new session ids");
      const [framesAtAlice, framesAtBob] = await Promise.all([
        waitForVideoFrom(alice, newBobId!),
        waitForVideoFrom(bob, newAliceId!),
      ]).catch(async (error) => {
        // Say which sessions each page is in now, and whom it sees, to tell a second reconnect apart.
        throw new Error(
          `ids before ${[aliceId, bobId]}, after ${[newAliceId, newBobId]}, now ${await sessionIds()}`,
          {
            cause: error,
          },
        );
      });
      await waitForAudioFrom(alice, newBobId!);
      const tiles = await alice.evaluate(() => document.querySelectorAll(".tile.remote").length, 0);
      ok(tiles === 1, `alice shows exactly one remote tile (${tiles})`);
      logFigures({ transport, reconnectMs, framesAfter: [framesAtAlice, framesAtBob] });
    });
  },
);

Deno.test(
  "firefox without an AudioEncoder says it cannot send audio, joins, and still sees, hears and is seen",
  TEST_OPTIONS,
  async () => {
    await withEngineCall(async (call) => {
      const [fox, chromium] = await Promise.all([call.firefox(), call.chromium()]);
      const alice = await openFirefoxCallPage(fox, call.server.url, "alice", "no-audio-encoder", {
        beforeLoad: async (page) => {
          await page.evaluateOnNewDocument(() => {
            delete (globalThis as { AudioEncoder?: unknown }).AudioEncoder;
          });
        },
      });
      const warning = await waitInPage(
        alice,
        () => document.querySelector('[data-testid="browser-warning"]')?.textContent ?? "",
        undefined,
        10_000,
      );
      ok(/cannot send audio/.test(warning), `the page says what it cannot do: ${warning}`);
      const bob = await openChromiumCallPage(chromium, call.server.url, "bob", "no-audio-encoder");
      const aliceId = await joinCall(alice);
      const bobId = await joinCall(bob);
      await Promise.all([waitForVideoFrom(alice, bobId), waitForVideoFrom(bob, aliceId)]);
      ok((await waitForAudioFrom(alice, bobId)) > AUDIBLE_RMS, "alice still hears bob");
      const local = await alice.evaluate(() => window.videocall.local(), 0);
      ok(local.microphoneFramesSent === undefined, "alice publishes no microphone");
      ok((await peersOf(bob))[aliceId]?.audioFramesDecoded === 0, "bob receives no audio from alice");
      ok(
        await alice.evaluate(() => document.querySelector('[data-testid="browser-warning"]') !== null, 0),
        "the message stays in the call",
      );
    });
  },
);
