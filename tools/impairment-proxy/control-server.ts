import { type ImpairmentProxy, ProfileError } from "./impairment-proxy.ts";
import type { ProfileInput } from "./link-profile.ts";
import { PRESET_NAMES, PRESETS } from "./presets.ts";

const MAX_BODY_BYTES = 64 * 1024;

/**
 * The proxy's loopback HTTP control endpoint, to step through conditions from a script:
 *   GET /profile            the current profile
 *   PUT /profile            a profile as JSON, or {"preset": "4g"}; 204, or 400 with the reason
 *   GET /presets            every preset by name
 *   GET /counters           packets and bytes in, delivered and dropped (by reason) each way
 */
export function controlHandler(proxy: ImpairmentProxy): (request: Request) => Promise<Response> {
  return async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/profile" && request.method === "GET") return Response.json(proxy.profile);
    if (pathname === "/profile" && request.method === "PUT") {
      const body = await readBody(request);
      if (body === undefined) return text(413, `a profile is at most ${MAX_BODY_BYTES} bytes`);
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        return text(400, "the body is not JSON");
      }
      const isPreset =
        typeof json === "object" && json !== null && Object.keys(json).length === 1 && "preset" in json;
      try {
        proxy.setProfile(isPreset ? String((json as { preset: unknown }).preset) : (json as ProfileInput));
      } catch (error) {
        if (error instanceof ProfileError) return text(400, error.message);
        throw error;
      }
      return new Response(null, { status: 204 });
    }
    if (pathname === "/presets" && request.method === "GET") {
      return Response.json(Object.fromEntries(PRESET_NAMES.map((name) => [name, PRESETS[name]])));
    }
    if (pathname === "/counters" && request.method === "GET") return Response.json(proxy.counters());
    return text(404, "GET /profile, PUT /profile, GET /presets, GET /counters");
  };
}

export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

export function startControlServer(proxy: ImpairmentProxy, hostname: string, port: number): ControlServer {
  const server = Deno.serve({ hostname, port, onListen: () => {} }, controlHandler(proxy));
  return { port: server.addr.port, close: () => server.shutdown() };
}

/** The body as text, or undefined when it is larger than MAX_BODY_BYTES. */
async function readBody(request: Request): Promise<string | undefined> {
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of request.body) {
    total += chunk.length;
    if (total > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}

function text(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { "content-type": "text/plain" } });
}
