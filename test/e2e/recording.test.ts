/**
 * End-to-end: a two-person call in Chromium is recorded by the server (`npm run build:web` first).
 * The host starts the recording from the meeting page, the other page shows the indicator, the
 * recorder is not listed as a person, the host stops it and gets download links; each participant's
 * file has VP8 and Opus (ffprobe) and plays in Chromium with its audio decoded.
 */
import { ok, strictEqual } from "node:assert/strict";
import { en } from "../../packages/web/src/i18n/messages.en.ts";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { startServer } from "../fixtures/server.ts";

const RECORD_MS = 5000;

async function webmFiles(directory: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(directory))
      if (entry.name.endsWith(".webm")) names.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}

async function codecsOf(path: string): Promise<string> {
  const result = await new Deno.Command("ffprobe", {
    args: ["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", path],
    stdout: "piped",
    stderr: "piped",
  }).output();
  ok(result.success, new TextDecoder().decode(result.stderr));
  return new TextDecoder().decode(result.stdout).trim().split("\n").sort().join(",");
}

Deno.test({
  name: "recording in Chromium: the host records a two-person call, both see the indicator, each file plays back with audio and video",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const recordingsDir = await Deno.makeTempDir({ prefix: "recordings-e2e-" });
    const server = await startServer({ extraArgs: ["--recordings-dir", recordingsDir] });
    const browser = await launchBrowser();
    try {
      const meetingId = "e2e-recording";
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

      await alice.page.locator(".recording-panel summary").click();
      await alice.page.getByRole("button", { name: en["recording.start"] }).click();
      await bob.page.getByText(en["recording.inCall"]).waitFor({ timeout: 15_000 });
      await alice.page.getByRole("button", { name: en["recording.stop"] }).waitFor({ timeout: 15_000 });
      strictEqual(
        await alice.page.locator(".participant-list li").count(),
        2,
        "the recorder is not listed as a participant",
      );

      await new Promise((resolve) => setTimeout(resolve, RECORD_MS));
      await alice.page.getByRole("button", { name: en["recording.stop"] }).click();
      await bob.page.getByText(en["recording.inCall"]).waitFor({ state: "detached", timeout: 15_000 });

      const directory = `${recordingsDir}/${meetingId}`;
      const deadline = performance.now() + 15_000;
      while ((await webmFiles(directory)).length < 2 && performance.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 200));
      const files = await webmFiles(directory);
      strictEqual(files.length, 2, `one file per participant: ${files.join(", ")}`);
      for (const file of files) strictEqual(await codecsOf(`${directory}/${file}`), "opus,vp8", file);

      const links = alice.page.locator(".recording-list a");
      await links.nth(1).waitFor({ timeout: 15_000 });
      const hrefs = await links.evaluateAll((anchors) => anchors.map((a) => (a as HTMLAnchorElement).href));
      strictEqual(hrefs.length, 2);
      for (const href of hrefs) {
        const played = await alice.page.evaluate(async (src) => {
          const video = document.createElement("video");
          video.muted = true;
          video.src = src;
          document.body.append(video);
          await video.play();
          const started = performance.now();
          while (video.currentTime < 2.5 && !video.ended && performance.now() - started < 20_000)
            await new Promise((resolve) => setTimeout(resolve, 100));
          const result = {
            currentTime: video.currentTime,
            duration: video.duration,
            ended: video.ended,
            width: video.videoWidth,
            audioBytes: (video as HTMLVideoElement & { webkitAudioDecodedByteCount?: number })
              .webkitAudioDecodedByteCount,
            videoBytes: (video as HTMLVideoElement & { webkitVideoDecodedByteCount?: number })
              .webkitVideoDecodedByteCount,
            error: video.error?.message ?? null,
          };
          video.remove();
          return result;
        }, href);
        strictEqual(played.error, null, href);
        ok(played.currentTime >= 2.5, `played ${JSON.stringify(played)} of ${href}`);
        ok(played.width > 0, `video has a size: ${JSON.stringify(played)}`);
        ok((played.audioBytes ?? 0) > 0, `audio decoded: ${JSON.stringify(played)}`);
        ok((played.videoBytes ?? 0) > 0, `video decoded: ${JSON.stringify(played)}`);
      }
    } finally {
      await browser.close();
      await server.stop();
      if (!Deno.env.get("KEEP_RECORDINGS"))
        await Deno.remove(recordingsDir, { recursive: true }).catch(() => {});
      else console.log(`recordings kept in ${recordingsDir}`);
    }
  },
});
