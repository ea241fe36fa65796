/**
 * The production build of the web app (packages/web) ships the app only: no benchmark code. The
 * check is proved on the benchmark page's own build first, so a check that finds nothing is
 * not mistaken for a clean bundle.
 */
import { ok } from "node:assert/strict";
import { viteBuild } from "../fixtures/vite-build.ts";

/** Words only the glass-to-glass page's code contains (its barcode and its `window.bench` API); the app itself shows a glass-to-glass latency, so not that. */
const BENCH_MARKERS = /barcode|window\.bench\b|startCallSender/i;

async function* filesUnder(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* filesUnder(path);
    else if (entry.isFile) yield path;
  }
}

/** Where bench code shows in a build: a page, a source in a source map, a marker in the code. */
async function benchTraces(dir: string): Promise<string[]> {
  const traces: string[] = [];
  for await (const path of filesUnder(dir)) {
    const name = path.slice(dir.length + 1);
    if (/bench/i.test(name)) traces.push(`file ${name}`);
    if (name.endsWith(".map")) {
      const map = JSON.parse(await Deno.readTextFile(path)) as { sources?: string[] };
      for (const source of map.sources ?? [])
        if (/(^|\/)bench\//.test(source)) traces.push(`${name}: ${source}`);
    } else if (/\.(js|html|css)$/.test(name)) {
      const match = BENCH_MARKERS.exec(await Deno.readTextFile(path));
      if (match) traces.push(`${name}: "${match[0]}"`);
    }
  }
  return traces;
}

Deno.test("the production web bundle contains no benchmark code", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "bundle-test-" });
  try {
    await viteBuild("bench/glass-to-glass/page/vite.config.ts", `${outDir}/bench`);
    const inBenchPage = await benchTraces(`${outDir}/bench`);
    ok(inBenchPage.length >= 3, `the check must see the bench page's own build: ${inBenchPage.join(", ")}`);

    await viteBuild("packages/web/vite.config.ts", `${outDir}/app`);
    const files: string[] = [];
    for await (const path of filesUnder(`${outDir}/app`)) files.push(path);
    ok(
      files.some((path) => path.endsWith("/index.html")),
      "the app was built",
    );
    const inApp = await benchTraces(`${outDir}/app`);
    ok(inApp.length === 0, `bench code in the app's bundle:\n${inApp.join("\n")}`);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
