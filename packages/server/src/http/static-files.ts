import { join, normalize } from "node:path";
import mime from "mime";

/** The Content-Type of a file by its name; text types say UTF-8 (Vite writes UTF-8). */
function contentTypeOf(fileName: string): string {
  const type = mime.getType(fileName) ?? "application/octet-stream";
  return type.startsWith("text/") || type === "application/json" ? `${type}; charset=utf-8` : type;
}

interface StaticFile {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
}

/**
 * The built web app, read once at start-up (it is small) and served from memory: no disk read per request,
 * and Vite's hashed `/assets/` cached for good. (`@std/http`'s serveDir reads the disk per request and is on
 * JSR, not npm; content types come from the `mime` package.)
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
          contentType: contentTypeOf(entry.name),
        });
      }
    }
  }
}

function isAppRoute(pathname: string): boolean {
  return pathname === "/" || pathname.startsWith("/meeting/");
}
