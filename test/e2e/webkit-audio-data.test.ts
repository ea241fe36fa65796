/**
 * A WebKitGTK 2.50 engine bug, pinned: `AudioData.copyTo()` on an AudioData the page constructed
 * kills the web process (reduced page: pages/webkit-audio-data-copyto.html). It is why a WebKit page
 * died as soon as it published in a call: the Opus encoder measured each microphone buffer's level
 * by copying it back out of the AudioData the worklet path had just made. The client now measures
 * the worklet's own samples (audio-data-source.ts, `CapturedAudio.monoSamples`) and never makes
 * that call; webkit-call.test.ts holds the call. The first test is what the client does and must
 * pass; the second records that the bug is still there, so that its failure says the engine fixed
 * it (and the workaround could go), not that our code broke.
 */
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { launchWebKit, type WebKitBrowser, webkitAvailable } from "../fixtures/webkit.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false, ignore: !webkitAvailable() } as const;
const PAGE = fileURLToPath(new URL("./pages/webkit-audio-data-copyto.html", import.meta.url));

/** Serves the reduced page on a free loopback port (a secure context: WebCodecs needs one). */
async function withPage(body: (browser: WebKitBrowser, url: string) => Promise<void>): Promise<void> {
  const html = await Deno.readTextFile(PAGE);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } }),
  );
  const browser = await launchWebKit({ args: ["--enable-mock-capture-devices=false"] });
  try {
    await body(browser, `http://127.0.0.1:${server.addr.port}/`);
  } finally {
    await browser.close();
    await server.shutdown();
  }
}

Deno.test(
  "WebKit: Opus from AudioData the page made, without copying out of it, survives and decodes",
  TEST_OPTIONS,
  async () => {
    await withPage(async (browser, url) => {
      await browser.navigate(url);
      const result = await browser.evaluateAsync<{
        packets: number;
        decoded: number;
        peak: number;
        sizeOfMade: number;
      }>("const done = arguments[arguments.length - 1]; window.ours().then(done, (e) => done(String(e)));");
      // 50 × 10 ms in, 20 ms Opus packets out; the sine comes back (not silence).
      assert(result.packets >= 20, JSON.stringify(result));
      assertEquals(result.decoded, result.packets);
      assert(result.peak > 0.05, JSON.stringify(result));
      assertEquals(result.sizeOfMade, 480 * 4);
      assertEquals(await browser.evaluate<number>("return 1"), 1, "the web process is alive");
    });
  },
);

Deno.test(
  "WebKit engine bug (2.50): AudioData.copyTo on an AudioData the page made kills the web process",
  TEST_OPTIONS,
  async () => {
    await withPage(async (browser, url) => {
      await browser.navigate(url);
      let answer: unknown;
      try {
        answer = await browser.evaluate("return window.crash()");
      } catch (error) {
        answer = error;
      }
      const output = browser.output();
      assert(
        answer !== "survived",
        `WebKitGTK ${browser.version} no longer crashes in AudioData.copyTo: CapturedAudio.monoSamples ` +
          "(audio-data-source.ts) is now only an optimisation",
      );
      assert(/WebProcess CRASHED|free\(\)|double free/.test(output), output.slice(-1500));
    });
  },
);
