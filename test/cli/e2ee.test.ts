/**
 * The CLI in an end-to-end encrypted meeting (passphrase mode, issue 11): `stream --e2ee-passphrase`
 * sends SFrame ciphertext; `receive` with the same passphrase records VP8, with another passphrase
 * nothing; a Chromium page given the same passphrase decodes the stream.
 */
import { ok, strictEqual } from "node:assert/strict";
import type {} from "../../packages/web/src/call/embedding-config.ts";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { waitForVideo } from "../fixtures/media-expectations.ts";
import { startServer } from "../fixtures/server.ts";
import { runCli, startCli } from "./cli.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const PASSPHRASE = "purple elephant 42";

Deno.test(
  "stream --e2ee-passphrase: receive with the same passphrase records VP8, another passphrase records nothing, a browser with it decodes",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    const out = await Deno.makeTempFile({ suffix: ".webm" });
    const stream = startCli([
      ...["stream", "--url", server.url, "--meeting-id", "secret", "--user-id", "camera"],
      ...["--test-pattern", "--resolution", "320x240", "--fps", "15", "--e2ee-passphrase", PASSPHRASE],
    ]);
    const browser = await launchBrowser({ fakeDevices: false });
    try {
      await stream.waitForLog("streaming", 30_000);
      const recorded = await runCli([
        ...["receive", "--url", server.url, "--meeting-id", "secret", "--out", out],
        ...["--seconds", "2", "--wait-seconds", "20", "--e2ee-passphrase", PASSPHRASE],
      ]);
      strictEqual(recorded.code, 0, recorded.stderr);
      ok(/\d+ video frames \(vp8 320x240\), \d+ Opus packets/.test(recorded.stdout), recorded.stdout);
      ok(
        /end-to-end encrypted/.test(recorded.stderr + recorded.stdout),
        "receive says the media is encrypted",
      );

      const wrong = await runCli([
        ...["receive", "--url", server.url, "--meeting-id", "secret", "--out", `${out}.wrong.webm`],
        ...["--seconds", "2", "--wait-seconds", "6", "--e2ee-passphrase", "not it"],
      ]);
      ok(wrong.code !== 0, `a receiver with another passphrase recorded: ${wrong.stdout}`);

      // A browser page in passphrase mode (as an integrator configures it) decodes the CLI's video.
      const viewer = await openMeetingPage(browser, server.url, "viewer", "secret", {
        e2ee: true,
        beforeLoad: async (context) => {
          await context.addInitScript((passphrase) => {
            window.videocallConfig = { e2eePassphrase: passphrase };
          }, PASSPHRASE);
        },
      });
      await join(viewer.page);
      const cameraId = await viewer.page.evaluate(() =>
        Number(Object.entries(window.videocall.peers()).find(([, p]) => p.username === "camera")?.[0] ?? 0),
      );
      ok(cameraId !== 0, "the viewer sees the CLI's session");
      const frames = await waitForVideo(viewer.page, cameraId);
      ok(frames > 0, "the browser decoded the CLI's encrypted video");
    } finally {
      await browser.close().catch(() => {});
      await stream.interrupt();
      await server.stop();
      await Deno.remove(out).catch(() => {});
      await Deno.remove(`${out}.wrong.webm`).catch(() => {});
    }
  },
);

Deno.test(
  "stream --e2ee (key exchange in Deno): a Chromium page with ?e2ee=1 decodes it, and the page shows the CLI's safety number",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    const stream = startCli([
      ...["stream", "--url", server.url, "--meeting-id", "exchanged", "--user-id", "camera"],
      ...["--test-pattern", "--resolution", "320x240", "--fps", "15", "--e2ee"],
    ]);
    const browser = await launchBrowser({ fakeDevices: false });
    try {
      await stream.waitForLog("streaming", 30_000);
      const viewer = await openMeetingPage(browser, server.url, "viewer", "exchanged", { e2ee: true });
      await join(viewer.page);
      const cameraId = await viewer.page.evaluate(() =>
        Number(Object.entries(window.videocall.peers()).find(([, p]) => p.username === "camera")?.[0] ?? 0),
      );
      ok(cameraId !== 0, "the viewer sees the CLI's session");
      ok((await waitForVideo(viewer.page, cameraId)) > 0, "the browser decoded the CLI's encrypted video");
      const peer = await viewer.page.evaluate(
        (id) => window.videocall.e2ee()?.peers.find((p) => p.sessionId === id),
        cameraId,
      );
      ok(peer?.safetyNumber?.split(" ").length === 12 && peer.hasKey, JSON.stringify(peer));
    } finally {
      await browser.close().catch(() => {});
      await stream.interrupt();
      await server.stop();
    }
  },
);
