import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { log } from "./observability/log.ts";
import { startServer } from "./server.ts";

const USAGE = `videocall relay server

Usage: npm start -- [options]

Options:
  --port <n>                  HTTP/WebSocket port (env PORT, default 8080; 0 picks a free one)
  --host <addr>               address to listen on (env HOST, default 0.0.0.0)
  --web-root <dir>            built web app (env WEB_ROOT, default packages/web/dist)
  --heartbeat-timeout-ms <n>  disconnect clients silent this long (env HEARTBEAT_TIMEOUT_MS, default 15000)
  -h, --help                  show this help
`;

function fail(message: string): never {
  console.error(`error: ${message}\n\n${USAGE}`);
  Deno.exit(2);
}

function parseInteger(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    fail(`${name} must be an integer in ${min}..${max}, got "${raw}"`);
  return value;
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    args: Deno.args,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "web-root": { type: "string" },
      "heartbeat-timeout-ms": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
}
try {
  args = parse();
} catch (error) {
  fail((error as Error).message);
}
if (args.values.help) {
  console.log(USAGE);
  Deno.exit(0);
}

const env = (name: string) => Deno.env.get(name);
const server = await startServer({
  hostname: args.values.host ?? env("HOST") ?? "0.0.0.0",
  port: parseInteger("--port", args.values.port ?? env("PORT"), 8080, 0, 65535),
  webRoot:
    args.values["web-root"] ?? env("WEB_ROOT") ?? fileURLToPath(new URL("../../web/dist", import.meta.url)),
  heartbeatTimeoutMs: parseInteger(
    "--heartbeat-timeout-ms",
    args.values["heartbeat-timeout-ms"] ?? env("HEARTBEAT_TIMEOUT_MS"),
    15_000,
    100,
    3_600_000,
  ),
}).catch((error: unknown) => {
  if (error instanceof Deno.errors.AddrInUse)
    fail(`the port is already in use (${(error as Error).message})`);
  throw error;
});

// The test fixtures read this line to learn the port when started with --port 0.
console.log(JSON.stringify({ event: "listening", port: server.port, url: server.url }));

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    log.info({ signal }, "shutting down");
    await server.shutdown();
    Deno.exit(0);
  });
}
