import { extname, join, normalize } from "node:path";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

interface StaticFile {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
}

/**
 * The built web app, read once at start-up (it is small) and served from memory.
 * Paths of the single-page app (`/`, `/meeting/...`) get index.html.
 */
export class StaticFiles {
  readonly #files = new Map<string, StaticFile>();
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
    this.#load(root, "");
  }

  get isBuilt(): boolean {
    return this.#files.has("/index.html");
  }

  serve(pathname: string): Response {
    const file =
      this.#files.get(normalize(pathname)) ??
      (isAppRoute(pathname) ? this.#files.get("/index.html") : undefined);
    if (!file) {
      if (isAppRoute(pathname) && !this.isBuilt) {
        return new Response(`The web app is not built (looked in ${this.#root}). Run: npm run build:web\n`, {
          status: 503,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      }
      return new Response("not found\n", { status: 404, headers: { "content-type": "text/plain" } });
    }
    const immutable = pathname.startsWith("/assets/");
    return new Response(file.body, {
      headers: {
        "content-type": file.contentType,
        "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
      },
    });
  }

  #load(dir: string, prefix: string): void {
    let entries: Iterable<Deno.DirEntry>;
    try {
      entries = Deno.readDirSync(dir);
    } catch {
      return; // not built: serve() explains
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const urlPath = `${prefix}/${entry.name}`;
      if (entry.isDirectory) this.#load(path, urlPath);
      else if (entry.isFile) {
        this.#files.set(urlPath, {
          body: Deno.readFileSync(path),
          contentType: CONTENT_TYPES[extname(entry.name)] ?? "application/octet-stream",
        });
      }
    }
  }
}

function isAppRoute(pathname: string): boolean {
  return pathname === "/" || pathname.startsWith("/meeting/");
}
