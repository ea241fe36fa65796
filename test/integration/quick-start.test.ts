import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { joinMeeting } from "@videocall/client";
import { freshDataDir, removeDataDir } from "../fixtures/pglite-data-dir.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// The test fixtures start the server with -A; `npm start` grants only what its script lists. This
// runs the server with exactly the start script's permissions, so a missing one fails here.
Deno.test("the server runs with exactly the permissions of `npm start`", async () => {
  const scripts = JSON.parse(await Deno.readTextFile(`${ROOT}package.json`)).scripts as Record<
    string,
    string
  >;
  const [deno, ...args] = scripts.start!.split(/\s+/);
  assert.equal(deno, "deno");
  // The embedded database on disk, as npm start keeps it (a copy of a fresh one, not the repo's ./data).
  const dataDir = await freshDataDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: [...args, "--port", "0", "--host", "127.0.0.1"],
    cwd: ROOT,
    env: { VIDEOCALL_DATA_DIR: dataDir },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  const listening = Promise.withResolvers<string>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true });
      const match = /\{"event":"listening","port":\d+,"url":"([^"]+)"\}/.exec(output);
      if (match) listening.resolve(match[1]!);
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  child.status.then((status) => listening.reject(new Error(`server exited (${status.code}):\n${output}`)));
  const timer = setTimeout(() => listening.reject(new Error(`server did not start:\n${output}`)), 30_000);
  try {
    const url = await listening.promise;
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
    const page = await fetch(`${url}/meeting/alice/demo`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    const html = await page.text();
    // The app's script, as the browser will ask for it: hashed, typed, cached for good.
    const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    assert.ok(script, "index.html names its script");
    const asset = await fetch(`${url}${script}`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.match(asset.headers.get("cache-control") ?? "", /immutable/);
    await asset.body?.cancel();
    // Joined at once: a join before the database is ready waits for it (or retries a 4020) by itself.
    const alice = await joinMeeting({ serverUrl: url, username: "alice", meetingId: "demo" });
    assert.equal(alice.self.role, "host", "the first joiner of a new meeting is its host");
    await alice.leave();
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 200);
    await ready.body?.cancel();
    assert.doesNotMatch(output, /NotCapable|Requires \w+ access/);
  } finally {
    clearTimeout(timer);
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
    await pumps;
    await removeDataDir(dataDir);
  }
});
