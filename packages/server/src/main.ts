import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CloseCode } from "@videocall/protocol";
import { NatsBusError, NatsMeetingBus } from "./bus/nats-meeting-bus.ts";
import { log } from "./observability/log.ts";
import { installProcessGuards } from "./observability/process-guards.ts";
import { startServer } from "./server.ts";
import { type Certificate, loadCertificate } from "./tls/development-certificate.ts";

const USAGE = `videocall relay server

Usage: npm start -- [options]

Options:
  --port <n>                  HTTP/WebSocket port (env PORT, default 8080; 0 picks a free one)
  --host <addr>               address to listen on (env HOST, default 0.0.0.0)
  --web-root <dir>            built web app (env WEB_ROOT, default packages/web/dist)
  --heartbeat-timeout-ms <n>  disconnect clients silent this long (env HEARTBEAT_TIMEOUT_MS, default 15000)
  --webtransport-port <n>     WebTransport (HTTP/3, UDP) port (env WEBTRANSPORT_PORT, default: the --port number)
  --webtransport-public-port <n>  the UDP port browsers are told to use, if a NAT or load balancer
                              maps it (env WEBTRANSPORT_PUBLIC_PORT, default: the bound port)
  --no-webtransport           serve WebSocket only (env WEBTRANSPORT=off)
  --tls-cert <file>           PEM certificate for HTTPS/WSS and WebTransport (env TLS_CERT_FILE)
  --tls-key <file>            PEM private key for it (env TLS_KEY_FILE); without both, HTTP is plain and
                              WebTransport uses a generated 10-day development certificate
  --nats-url <urls>           link this node to others through NATS, e.g. nats://127.0.0.1:4222;
                              comma-separate a cluster's servers (env NATS_URL; default: no NATS,
                              a single node)
  --public-url <url>          origin clients use to reach this node, listed by GET /api/servers
                              (env PUBLIC_URL, default the listen URL)
  --node-id <id>              this node's name on the bus (env NODE_ID, default random)
  -h, --help                  show this help

On SIGTERM or SIGINT the server drains: every client gets a Goodbye ("server draining") and a
close with code 1012 (service restart), the other nodes are told, then the process exits.
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
      "webtransport-port": { type: "string" },
      "no-webtransport": { type: "boolean" },
      "webtransport-public-port": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "nats-url": { type: "string" },
      "public-url": { type: "string" },
      "node-id": { type: "string" },
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

async function certificateFromFlags(): Promise<Certificate | undefined> {
  const certPath = args.values["tls-cert"] ?? env("TLS_CERT_FILE");
  const keyPath = args.values["tls-key"] ?? env("TLS_KEY_FILE");
  if (!certPath && !keyPath) return undefined;
  if (!certPath || !keyPath) fail("--tls-cert and --tls-key go together");
  try {
    return await loadCertificate(certPath, keyPath);
  } catch (error) {
    fail((error as Error).message);
  }
}
function optionalInteger(name: string, raw: string | undefined): number | undefined {
  return raw === undefined || raw === "" ? undefined : parseInteger(name, raw, 0, 1, 65535);
}
const webTransportOff = args.values["no-webtransport"] === true || env("WEBTRANSPORT") === "off";
const webTransportPortRaw = args.values["webtransport-port"] ?? env("WEBTRANSPORT_PORT");
function parseNatsUrls(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const urls = raw.split(",").map((url) => url.trim());
  for (const url of urls) {
    if (!/^(nats|tls|wss?):\/\/[^\s/]+\/?$/.test(url) && !/^[^\s:/]+:\d+$/.test(url))
      fail(`--nats-url: "${url}" is not a NATS URL like nats://127.0.0.1:4222`);
  }
  return urls;
}
function parsePublicUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (!URL.canParse(raw) || !/^(https?|wss?):$/.test(new URL(raw).protocol))
    fail(`--public-url must be an http(s) origin like https://relay1.example.com, got "${raw}"`);
  return raw.replace(/\/+$/, "");
}
const natsUrls = parseNatsUrls(args.values["nats-url"] ?? env("NATS_URL"));
const publicUrl = parsePublicUrl(args.values["public-url"] ?? env("PUBLIC_URL"));
const nodeId = args.values["node-id"] ?? env("NODE_ID");
if (nodeId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(nodeId))
  fail(`--node-id must be 1-64 letters, digits, '_' or '-', got "${nodeId}"`);
const bus = natsUrls
  ? await NatsMeetingBus.connect({ servers: natsUrls, log, ...(nodeId ? { nodeId } : {}) }).catch(
      (error: unknown) => {
        if (error instanceof NatsBusError) {
          console.error(`error: ${error.message}`);
          Deno.exit(1);
        }
        throw error;
      },
    )
  : undefined;

const server = await startServer({
  hostname: args.values.host ?? env("HOST") ?? "0.0.0.0",
  ...(bus ? { bus, discovery: bus } : {}),
  ...(publicUrl ? { publicUrl } : {}),
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
  webTransportPort: webTransportOff
    ? false
    : webTransportPortRaw === undefined
      ? undefined
      : parseInteger("--webtransport-port", webTransportPortRaw, 0, 0, 65535),
  certificate: await certificateFromFlags(),
  webTransportPublicPort: optionalInteger(
    "--webtransport-public-port",
    args.values["webtransport-public-port"] ?? env("WEBTRANSPORT_PUBLIC_PORT"),
  ),
}).catch((error: unknown) => {
  if (error instanceof Deno.errors.AddrInUse)
    fail(`the port is already in use (${(error as Error).message})`);
  throw error;
});

installProcessGuards(server.stats, log);

// The test fixtures read this line to learn the port when started with --port 0.
console.log(JSON.stringify({ event: "listening", port: server.port, url: server.url }));

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    log.info({ signal }, "draining");
    // A drain that hangs (a NATS server gone mid-flush) must not keep the process alive.
    setTimeout(() => Deno.exit(1), 5000);
    await server.shutdown({ code: CloseCode.serviceRestart, reason: "server draining" });
    await bus?.close();
    Deno.exit(0);
  });
}
