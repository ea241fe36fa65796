/**
 * End-to-end in WebKit (Safari's engine): WebKitGTK's MiniBrowser under Xvfb through
 * WebKitWebDriver (test/fixtures/webkit.ts), against a real server and the built web app.
 */
import { assert, assertEquals } from "../fixtures/assert.ts";
import { startServer } from "../fixtures/server.ts";
import { launchWebKit } from "../fixtures/webkit.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;

Deno.test("WebKit: the home page loads and leads to a meeting's page", TEST_OPTIONS, async () => {
  const server = await startServer();
  const webkit = await launchWebKit();
  try {
    await webkit.navigate(`${server.url}/`);
    await webkit.waitFor("the home form", "return document.querySelector('form input') !== null");
    assertEquals(await webkit.evaluate<string>("return document.documentElement.lang"), "en");
    await webkit.navigate(`${server.url}/meeting/Ada/design-review`);
    await webkit.waitFor("the preview", "return window.videocall?.state === 'preview'");
    assert((await webkit.evaluate<string>("return document.title")).startsWith("design-review"));
  } finally {
    await webkit.close();
    await server.stop();
  }
});

Deno.test("WebKit: what the engine offers for a call, as the page sees it", TEST_OPTIONS, async () => {
  const server = await startServer();
  const webkit = await launchWebKit();
  try {
    await webkit.navigate(`${server.url}/`);
    // WebTransport and MediaStreamTrackProcessor are off by default, as in shipping Safari; WebCodecs
    // and requestVideoFrameCallback are on; VP8 is the one video codec it both encodes and decodes.
    const offered = await webkit.evaluateAsync<
      Record<string, unknown>
    >(`const done = arguments[arguments.length - 1];
      (async () => {
        new AudioContext().close(); // WebKitGTK: GStreamer must not start from a WebCodecs call
        const encodes = async (codec) => (await VideoEncoder.isConfigSupported({ codec, width: 640, height: 360, bitrate: 500000, framerate: 30, latencyMode: "realtime" })).supported;
        const decodes = async (codec) => (await VideoDecoder.isConfigSupported({ codec })).supported;
        return {
          webTransport: typeof WebTransport,
          trackProcessor: typeof MediaStreamTrackProcessor,
          videoFrameCallback: "requestVideoFrameCallback" in HTMLVideoElement.prototype,
          vp8: [await encodes("vp8"), await decodes("vp8")],
          vp9Decode: await decodes("vp09.00.10.08"),
        };
      })().then(done, (error) => done(String(error)));`);
    assertEquals(offered, {
      webTransport: "undefined",
      trackProcessor: "undefined",
      videoFrameCallback: true,
      vp8: [true, true],
      vp9Decode: false,
    });
  } finally {
    await webkit.close();
    await server.stop();
  }
});
