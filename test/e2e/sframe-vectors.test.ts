/**
 * RFC 9605's test vectors in real Chromium: our E2EE modules, bundled by Vite (library mode, in
 * memory), run on the browser's Web Crypto in a page served from loopback (a secure context), and
 * must give the RFC's bytes, the same as the Deno unit tests (packages/client/src/e2ee/sframe.test.ts).
 */
import { ok as assert, deepStrictEqual as assertEquals } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { build, type Rollup } from "vite";
import {
  HEADER_VALUES,
  HEADER_VECTORS,
  AES_128_GCM_SHA256_128_VECTOR as V,
} from "../../packages/client/src/e2ee/test-vectors-rfc9605.ts";
import { launchBrowser } from "../fixtures/browser.ts";
import type { BrowserE2eeResults } from "./pages/e2ee-vectors-page.ts";

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
      lib: { entry: "test/e2e/pages/e2ee-vectors-page.ts", formats: ["es"], fileName: "e2ee-vectors-page" },
    },
  });
  const [first] = (Array.isArray(output) ? output : [output]) as Rollup.RollupOutput[];
  const chunk = first?.output.find((item) => item.type === "chunk");
  if (chunk?.type !== "chunk") throw new Error("vite produced no chunk");
  return chunk.code;
}

Deno.test(
  "RFC 9605 vectors (C.1 headers, C.3 AES_128_GCM_SHA256_128) pass in Chromium",
  TEST_OPTIONS,
  async () => {
    const script = await bundlePage();
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/e2ee.js")
        return new Response(script, { headers: { "content-type": "text/javascript" } });
      return new Response('<!doctype html><script type="module" src="/e2ee.js"></script>', {
        headers: { "content-type": "text/html" },
      });
    });
    const browser = await launchBrowser({ fakeDevices: false });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`http://127.0.0.1:${server.addr.port}/`);
      await page.waitForFunction(() => "runE2eeChecks" in globalThis, null, { timeout: 15_000 });
      const results = await page.evaluate(
        (headers) =>
          (
            globalThis as unknown as { runE2eeChecks(h: string[][]): Promise<BrowserE2eeResults> }
          ).runE2eeChecks(headers),
        HEADER_VECTORS.map((row) => [...row]),
      );
      assertEquals(errors, []);
      assert(results.isSecureContext, "the page must be a secure context for crypto.subtle");

      assertEquals(results.encodedHeaders, HEADER_VECTORS);
      const expectedDecoded = HEADER_VALUES.flatMap((kid) => HEADER_VALUES.map((ctr) => [kid, ctr]));
      assertEquals(results.decodedHeaders, expectedDecoded);
      assertEquals(results.decodedHeaders.length, 289);

      assertEquals(results.sframeKey, V.sframeKey);
      assertEquals(results.sframeSalt, V.sframeSalt);
      assertEquals(results.nonce, V.nonce);
      assertEquals(results.ciphertext, V.ct);
      assertEquals(results.decrypted, V.pt);
      assertEquals(results.tamperedOpens, false);

      // Key management on Chromium's Web Crypto as well (Chromium 133+ has X25519).
      assertEquals(results.x25519, true);
      assertEquals(results.wrapCurve, "X25519");
      assert(results.unwrapMatches, "a wrapped media key opens in Chromium");
      assert(results.safetyNumbersMatch, "both sides compute the same safety number in Chromium");
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
);
