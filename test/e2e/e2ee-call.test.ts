/**
 * End-to-end encryption in real Chromium (issue 11): alice, bob and carol join with `?e2ee=1`
 * (SFrame in the encoder and decoder workers, keys exchanged through the relay). They see and hear
 * each other; the lock shows; each pair sees the same safety number, "unverified" until marked; a
 * participant in the same meeting without E2EE captures every Media payload the relay forwards, and
 * a Chromium VideoDecoder fed those payloads decodes no frame.
 */
import { ok } from "node:assert/strict";
import { joinMeeting, type Media, MediaKind } from "@videocall/client";
import type { Browser } from "playwright-core";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { waitForAudio, waitForVideo } from "../fixtures/media-expectations.ts";
import { startServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const TEST_TIMEOUT_MS = 180_000;
const MEETING = "encrypted";
/**
 * Frames each page must decode from each other: three browsers each encoding one stream and
 * decoding two share this 2-core machine with other tests, and run at a few fps under load; a
 * stream that does not decrypt decodes 0, so any real count proves it.
 */
const SEEN_FRAMES = 20;

async function withTimeout(run: () => Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${TEST_TIMEOUT_MS} ms`)), TEST_TIMEOUT_MS);
      }),
      run(),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test(
  "three participants see and hear each other with E2EE on; safety numbers match; what the relay forwards decodes to nothing",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    const browsers: Browser[] = [];
    // Eve joins without E2EE and records the video payloads the relay forwards to her (the first 200).
    const eve = await joinMeeting({ serverUrl: server.url, username: "eve", meetingId: MEETING });
    const captured: Media[] = [];
    eve.events.on("media", (_from, media) => {
      if (media.kind === MediaKind.VIDEO && captured.length < 200) {
        captured.push({ ...media, payload: media.payload.slice() });
      }
    });
    try {
      await withTimeout(async () => {
        for (let i = 0; i < 3; i++) browsers.push(await launchBrowser());
        const names = ["alice", "bob", "carol"];
        const pages = [];
        for (const [i, name] of names.entries()) {
          pages.push(
            await openMeetingPage(browsers[i]!, server.url, name, MEETING, {
              e2ee: true,
              transport: i === 1 ? "websocket" : "webtransport",
            }),
          );
        }
        const [alice, bob, carol] = pages as [(typeof pages)[0], (typeof pages)[0], (typeof pages)[0]];
        const ids = [];
        for (const page of pages) ids.push(await join(page.page));
        const [aliceId, bobId, carolId] = ids as [number, number, number];

        ok(await alice.page.locator(".e2ee-lock").isVisible(), "the lock shows in an encrypted call");
        const bobSawAlice = await waitForVideo(bob.page, aliceId, SEEN_FRAMES);
        const carolSawBob = await waitForVideo(carol.page, bobId, SEEN_FRAMES);
        const aliceSawCarol = await waitForVideo(alice.page, carolId, SEEN_FRAMES);
        const bobHeardAlice = await waitForAudio(bob.page, aliceId);
        const aliceHeardBob = await waitForAudio(alice.page, bobId);
        console.log(
          JSON.stringify({ bobSawAlice, carolSawBob, aliceSawCarol, bobHeardAlice, aliceHeardBob }),
        );
        ok(bobSawAlice > SEEN_FRAMES && carolSawBob > SEEN_FRAMES && aliceSawCarol > SEEN_FRAMES);

        // Safety numbers: the same on both sides of each pair, different between pairs.
        const numberAt = async (page: typeof alice, peerId: number) => {
          await page.page.waitForFunction(
            (id) =>
              window.videocall.e2ee()?.peers.find((p) => p.sessionId === id)?.safetyNumber !== undefined,
            peerId,
            { timeout: 20_000 },
          );
          return await page.page.evaluate(
            (id) => window.videocall.e2ee()?.peers.find((p) => p.sessionId === id),
            peerId,
          );
        };
        const aliceOfBob = await numberAt(alice, bobId);
        const bobOfAlice = await numberAt(bob, aliceId);
        const aliceOfCarol = await numberAt(alice, carolId);
        ok(aliceOfBob?.safetyNumber === bobOfAlice?.safetyNumber, "alice and bob see the same safety number");
        ok(aliceOfBob?.safetyNumber !== aliceOfCarol?.safetyNumber, "another pair sees another number");
        ok(aliceOfBob?.trust === "unverified" && !aliceOfBob.keyChanged, "unverified until marked");
        await alice.page
          .locator(`.peer-security[data-session-id="${bobId}"] button`, { hasText: "Mark as verified" })
          .click();
        await alice.page.waitForFunction(
          (id) => window.videocall.e2ee()?.peers.find((p) => p.sessionId === id)?.trust === "verified",
          bobId,
          { timeout: 10_000 },
        );
        // Remembered for bob's stable identity from the server, not for the name anyone may take.
        const bobPerson = aliceOfBob?.person ?? "";
        ok(bobPerson.startsWith("guest:"), `verification is kept per identity, got ${bobPerson}`);
        ok(
          await alice.page.evaluate(
            (person) => localStorage.getItem("videocall.e2ee.verified")?.includes(person) === true,
            bobPerson,
          ),
          "remembered in localStorage",
        );

        // What the relay forwarded: feed eve's captured video payloads to a real VideoDecoder.
        await waitFor(
          "eve to capture video",
          () => captured.filter((m) => m.kind === MediaKind.VIDEO).length >= 60,
          20_000,
        );
        const video = captured.filter((m) => m.kind === MediaKind.VIDEO).slice(0, 120);
        ok(
          video.some((m) => m.keyframe),
          "the capture holds frames flagged as key frames",
        );
        const decoded = await alice.page.evaluate(
          async (frames) => {
            let outputs = 0;
            let errors = 0;
            let decoder: VideoDecoder | undefined;
            const make = () => {
              decoder = new VideoDecoder({
                output: (frame) => {
                  outputs++;
                  frame.close();
                },
                error: () => {
                  errors++;
                },
              });
              decoder.configure({ codec: "vp8" });
            };
            for (const [i, frame] of frames.entries()) {
              if (!decoder || decoder.state === "closed") make();
              try {
                decoder!.decode(
                  new EncodedVideoChunk({
                    type: frame.keyframe ? "key" : "delta",
                    timestamp: i * 33_000,
                    data: new Uint8Array(frame.payload),
                  }),
                );
                await decoder!.flush().catch(() => {});
              } catch {
                errors++;
              }
            }
            return { outputs, errors };
          },
          video.map((m) => ({ keyframe: m.keyframe, payload: [...m.payload] })),
        );
        console.log(JSON.stringify({ captured: video.length, decoded }));
        ok(
          decoded.outputs === 0,
          `a VideoDecoder decoded ${decoded.outputs} frames from the relay's capture`,
        );
        ok(decoded.errors > 0, "the decoder refused the ciphertext");

        const stats = await bob.page.evaluate(() => window.videocall.e2ee());
        ok(stats && stats.decrypted > SEEN_FRAMES, "bob's decoders decrypted frames");
        const pageErrors = pages.flatMap((p) => p.errors).filter((e) => e.startsWith("pageerror"));
        ok(pageErrors.length === 0, pageErrors.join("\n"));
      });
    } finally {
      await eve.leave();
      await Promise.race([
        Promise.allSettled(browsers.map((browser) => browser.close())),
        new Promise((resolve) => setTimeout(resolve, 10_000)),
      ]);
      await server.stop();
    }
  },
);
