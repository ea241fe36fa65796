/** Failures a person can act on: non-zero exit and one clear line on stderr. */
import { match, notStrictEqual, strictEqual } from "node:assert/strict";
import { startServer } from "../fixtures/server.ts";
import { type CliResult, ROOT, runCli } from "./cli.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;

function oneErrorLine(result: CliResult, pattern: RegExp): void {
  notStrictEqual(result.code, 0, "exit code");
  const lines = result.stderr.trim().split("\n");
  strictEqual(lines.length, 1, result.stderr);
  match(lines[0]!, /^error: /);
  match(lines[0]!, pattern);
}

Deno.test("bad flags: exit 2 with the flag named", async () => {
  const missing = await runCli(["stream", "--url", "http://127.0.0.1:9"]);
  strictEqual(missing.code, 2);
  oneErrorLine(missing, /--meeting-id/);
  const badNumber = await runCli(["bots", "--url", "http://x", "--meeting-id", "m", "--count", "many"]);
  strictEqual(badNumber.code, 2);
  oneErrorLine(badNumber, /--count .*integer/);
  const badResolution = await runCli([
    ...["stream", "--url", "http://x", "--meeting-id", "m", "--user-id", "u", "--resolution", "big"],
  ]);
  oneErrorLine(badResolution, /WIDTHxHEIGHT/);
  oneErrorLine(await runCli(["info", "--list-cameras", "--bogus"]), /unknown option '--bogus'/);
  oneErrorLine(await runCli(["info"]), /exactly one of/);
});

Deno.test("no camera: names the device and the ones there are", async () => {
  const result = await runCli([
    ...[
      "stream",
      "--url",
      "http://127.0.0.1:9",
      "--meeting-id",
      "m",
      "--user-id",
      "u",
      "--video-device-index",
      "7",
    ],
  ]);
  oneErrorLine(result, /no camera \/dev\/video7/);
  const formats = await runCli(["info", "--list-formats", "--video-device-index", "7"]);
  oneErrorLine(formats, /no camera \/dev\/video7/);
});

Deno.test("info without devices says there are none and succeeds", async () => {
  const cameras = await runCli(["info", "--list-cameras"]);
  strictEqual(cameras.code, 0);
  match(cameras.stdout, /no cameras found|\/dev\/video/);
  const audio = await runCli(["info", "--list-audio-devices"]);
  strictEqual(audio.code, 0);
  match(audio.stdout, /no audio capture devices|hw:/);
});

Deno.test("ffmpeg missing: says how to install it", async () => {
  const result = await runCli(
    ["stream", "--url", "http://127.0.0.1:9", "--meeting-id", "m", "--user-id", "u", "--test-pattern"],
    { PATH: `${ROOT}node_modules/.nothing-here` },
  );
  oneErrorLine(result, /ffmpeg is not installed; install it with: sudo apt-get install ffmpeg/);
});

Deno.test("server unreachable, or the meeting id rejected", TEST_OPTIONS, async () => {
  const unreachable = await runCli([
    ...["stream", "--url", "http://127.0.0.1:9", "--meeting-id", "m", "--user-id", "u", "--test-pattern"],
  ]);
  oneErrorLine(unreachable, /cannot reach the server at http:\/\/127\.0\.0\.1:9/);
  const server = await startServer();
  try {
    const rejected = await runCli([
      ...["stream", "--url", server.url, "--meeting-id", "no spaces!", "--user-id", "u", "--test-pattern"],
    ]);
    oneErrorLine(rejected, /the server refused the join: invalid username or meeting id/);
  } finally {
    await server.stop();
  }
});

Deno.test("the npx shim runs the CLI with the repository's Deno", async () => {
  const output = await new Deno.Command("node", {
    args: [`${ROOT}packages/cli/bin/videocall.mjs`, "--help"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  strictEqual(output.code, 0);
  match(new TextDecoder().decode(output.stdout), /Usage: videocall .*stream.*receive.*bots.*info.*serve/s);
});
