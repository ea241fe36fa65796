/** `videocall receive` records what `videocall stream` sends into a WebM that ffprobe reads. */
import { ok, strictEqual } from "node:assert/strict";
import { startServer } from "../fixtures/server.ts";
import { ROOT, runCli, startCli } from "./cli.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const RECORD_SECONDS = 4;

Deno.test(
  "receive writes the publisher's VP8 video and Opus audio to WebM of the recorded length",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    const out = await Deno.makeTempFile({ suffix: ".webm" });
    const stream = startCli([
      ...["stream", "--url", server.url, "--meeting-id", "rec", "--user-id", "camera"],
      ...["--test-pattern", "--resolution", "320x240", "--fps", "15"],
    ]);
    try {
      await stream.waitForLog("streaming", 20_000);
      const recorded = await runCli([
        ...["receive", "--url", server.url, "--meeting-id", "rec", "--out", out],
        ...["--seconds", String(RECORD_SECONDS), "--wait-seconds", "15"],
      ]);
      strictEqual(recorded.code, 0, recorded.stderr);
      ok(
        /wrote .* from "camera", \d+ video frames \(vp8 320x240\), \d+ Opus packets/.test(recorded.stdout),
        recorded.stdout,
      );

      const probe = await new Deno.Command("ffprobe", {
        args: [
          "-v",
          "error",
          "-show_entries",
          "stream=codec_name,width,height:format=duration",
          "-of",
          "json",
          out,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      ok(probe.success, new TextDecoder().decode(probe.stderr));
      const info = JSON.parse(new TextDecoder().decode(probe.stdout)) as {
        streams: Array<{ codec_name: string; width?: number }>;
        format: { duration: string };
      };
      const codecs = info.streams.map((s) => s.codec_name).sort();
      strictEqual(codecs.join(","), "opus,vp8");
      strictEqual(info.streams.find((s) => s.codec_name === "vp8")?.width, 320);
      const durationSeconds = Number(info.format.duration);
      ok(Math.abs(durationSeconds - RECORD_SECONDS) < 1, `duration ${durationSeconds} s`);
    } finally {
      await stream.interrupt();
      await server.stop();
      await Deno.remove(out).catch(() => {});
    }
  },
);

Deno.test(
  "stream and receive go through the frame-transform seam: with the same transform the recording is VP8, without it nothing records",
  TEST_OPTIONS,
  async () => {
    const transform = `${ROOT}test/fixtures/xor-frame-transform.js`;
    const server = await startServer();
    const out = await Deno.makeTempFile({ suffix: ".webm" });
    const stream = startCli([
      ...["stream", "--url", server.url, "--meeting-id", "xor", "--user-id", "camera"],
      ...["--test-pattern", "--resolution", "320x240", "--fps", "15", "--frame-transform", transform],
    ]);
    try {
      await stream.waitForLog("streaming", 20_000);
      const recorded = await runCli([
        ...[
          "receive",
          "--url",
          server.url,
          "--meeting-id",
          "xor",
          "--out",
          out,
          "--frame-transform",
          transform,
        ],
        ...["--seconds", "2", "--wait-seconds", "15"],
      ]);
      strictEqual(recorded.code, 0, recorded.stderr);
      ok(/\d+ video frames \(vp8 320x240\), \d+ Opus packets/.test(recorded.stdout), recorded.stdout);

      // Without the transform the payloads are not VP8: no key frame is ever found to start from.
      const plain = await runCli([
        ...["receive", "--url", server.url, "--meeting-id", "xor", "--out", `${out}.plain.webm`],
        ...["--seconds", "2", "--wait-seconds", "6"],
      ]);
      ok(plain.code !== 0, `a receiver without the transform recorded: ${plain.stdout}`);
      ok(/no video or audio arrived/.test(plain.stderr), plain.stderr);
    } finally {
      await stream.interrupt();
      await server.stop();
      await Deno.remove(out).catch(() => {});
      await Deno.remove(`${out}.plain.webm`).catch(() => {});
    }
  },
);
