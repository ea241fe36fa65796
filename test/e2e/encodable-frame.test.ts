/**
 * EncodableFrames (packages/client/src/media/publish/encodable-frame.ts) in real Chromium, on its
 * two fake cameras: the first sends I420, the second 16-bit depth (Y16, `VideoFrame.format` null),
 * which VideoEncoder refuses ("Encoding error"). The module, bundled by Vite, must pass I420 frames
 * through untouched and turn Y16 ones into frames the encoder takes, with their timing and a picture.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { build, type Rollup } from "vite";
import { launchBrowser } from "../fixtures/browser.ts";
import type { CameraFrameReport } from "./pages/encodable-frame-page.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

async function bundlePage(): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: "silent",
    root: ROOT,
    build: {
      write: false,
      minify: false,
      lib: {
        entry: "test/e2e/pages/encodable-frame-page.ts",
        formats: ["es"],
        fileName: "encodable-frame-page",
      },
    },
  });
  const [first] = (Array.isArray(output) ? output : [output]) as Rollup.RollupOutput[];
  const chunk = first?.output.find((item) => item.type === "chunk");
  if (chunk?.type !== "chunk") throw new Error("vite produced no chunk");
  return chunk.code;
}

Deno.test(
  "camera frames without a pixel format are redrawn into frames VideoEncoder takes; others pass through",
  TEST_OPTIONS,
  async () => {
    const script = await bundlePage();
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
      if (new URL(request.url).pathname === "/page.js")
        return new Response(script, { headers: { "content-type": "text/javascript" } });
      return new Response('<!doctype html><script type="module" src="/page.js"></script>', {
        headers: { "content-type": "text/html" },
      });
    });
    const browser = await launchBrowser({ cameraCount: 2 });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`http://127.0.0.1:${server.addr.port}/`);
      await page.waitForFunction(() => "runEncodableFrameChecks" in globalThis, null, { timeout: 15_000 });
      // A camera that stalls must fail the test, not hang it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const reports = await Promise.race([
        page.evaluate(() =>
          (
            globalThis as unknown as { runEncodableFrameChecks(): Promise<CameraFrameReport[]> }
          ).runEncodableFrameChecks(),
        ),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("the camera checks did not finish in 60 s")), 60_000);
        }),
      ]).finally(() => clearTimeout(timer));
      deepStrictEqual(errors, []);
      strictEqual(reports.length, 2, JSON.stringify(reports));
      const [plain, depth] = reports as [CameraFrameReport, CameraFrameReport];

      strictEqual(plain.rawFormat, "I420", JSON.stringify(plain));
      ok(plain.passedThrough && plain.framesRedrawn === 0, JSON.stringify(plain));
      deepStrictEqual(plain.encodableEncoded.errors, []);
      ok(plain.encodableEncoded.chunks > 0, JSON.stringify(plain));

      // The cause of the broken camera switch: the encoder fails on the depth camera's own frames.
      strictEqual(depth.rawFormat, null, JSON.stringify(depth));
      ok(depth.rawEncoded.errors.length > 0 && depth.rawEncoded.chunks === 0, JSON.stringify(depth));
      // Redrawn: a named format, the same timing and size, the source closed, a picture, encodable.
      ok(!depth.passedThrough && depth.encodableFormat !== null, JSON.stringify(depth));
      ok(depth.sameTiming && depth.sameSize && depth.sourceClosed, JSON.stringify(depth));
      ok(depth.redrawnSpread > 50, `a picture, not a flat frame: ${JSON.stringify(depth)}`);
      strictEqual(depth.framesRedrawn, 10);
      deepStrictEqual(depth.encodableEncoded.errors, []);
      strictEqual(depth.encodableEncoded.chunks, 10, JSON.stringify(depth));
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
);
