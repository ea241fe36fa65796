/**
 * The relay server's command line: every flag has an env variable and a default, shown by --help.
 * Parsing only (commander); main.ts turns the result into a running server. Values that fail
 * validation throw UsageError with a message naming the flag (main prints it with the help, exit 2).
 */
import { fileURLToPath } from "node:url";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { DEFAULT_PROVIDER_TIMEOUT_MS, isLoopbackUrl, type OidcSettings } from "../auth/oidc/oidc-settings.ts";
import { DEFAULT_DATA_DIR } from "../db/open-database.ts";

/** Next to the embedded database's default directory (./data/pglite). */
export const DEFAULT_RECORDINGS_DIR = "./data/recordings";

import { DEFAULT_RELAY_LIMITS, MAX_PACKET_BYTES_CEILING, type RelayLimits } from "../limits/relay-limits.ts";

export interface ServerFlags {
  port: number;
  host: string;
  webRoot: string;
  heartbeatTimeoutMs: number;
  /** undefined: the HTTP port's number; false: no WebTransport. */
  webTransportPort: number | false | undefined;
  webTransportPublicPort: number | undefined;
  tlsCertPath: string | undefined;
  tlsKeyPath: string | undefined;
  natsUrls: string[] | undefined;
  publicUrl: string | undefined;
  nodeId: string | undefined;
  limits: RelayLimits;
  /** Sign-in through an OpenID Connect provider; undefined = open guest mode. */
  oidc: OidcSettings | undefined;
  /** Seals session cookies; undefined = random per process. */
  sessionSecret: string | undefined;
  /** The embedded PGlite database's directory (unless databaseUrl is set). */
  dataDir: string;
  /** Where server-side recordings are written, `<meeting>/<recording>-<session>.webm` (docs/recording.md). */
  recordingsDir: string;
  /** `postgres://…` for a real PostgreSQL, `memory://` for a throwaway in-memory PGlite. */
  databaseUrl: string | undefined;
  /** Room tokens (docs/tokens.md): the key integrators sign with; without both the server makes a random secret. */
  apiKey: string | undefined;
  apiSecret: string | undefined;
  /** Refuse connections without a room token (4021) instead of admitting them as guests. */
  requireToken: boolean;
}

export type ParsedFlags = { kind: "run"; flags: ServerFlags } | { kind: "help"; text: string };

export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL("../../../web/dist", import.meta.url));

/** An integer option's parser; an empty value (an env variable set to "") means the default. */
function integer(flag: string, min: number, max: number, fallback?: number) {
  return (raw: string): number | undefined => {
    if (raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max)
      throw new InvalidArgumentError(`${flag} must be an integer in ${min}..${max}, got "${raw}"`);
    return value;
  };
}

function natsUrls(raw: string): string[] | undefined {
  if (raw.trim() === "") return undefined;
  const urls = raw.split(",").map((url) => url.trim());
  for (const url of urls) {
    if (!/^(nats|tls|wss?):\/\/[^\s/]+\/?$/.test(url) && !/^[^\s:/]+:\d+$/.test(url))
      throw new InvalidArgumentError(`--nats-url: "${url}" is not a NATS URL like nats://127.0.0.1:4222`);
  }
  return urls;
}

function publicUrl(raw: string): string | undefined {
  if (raw === "") return undefined;
  if (!URL.canParse(raw) || !/^(https?|wss?):$/.test(new URL(raw).protocol))
    throw new InvalidArgumentError(
      `--public-url must be an http(s) origin like https://relay1.example.com, got "${raw}"`,
    );
  return raw.replace(/\/+$/, "");
}

function nodeId(raw: string): string | undefined {
  if (raw === "") return undefined;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw))
    throw new InvalidArgumentError(`--node-id must be 1-64 letters, digits, '_' or '-', got "${raw}"`);
  return raw;
}

function databaseUrl(raw: string): string | undefined {
  if (raw === "") return undefined;
  if (raw !== "memory://" && !/^postgres(ql)?:\/\//.test(raw))
    throw new InvalidArgumentError(
      "--database-url must start with postgres:// or postgresql:// (or be memory:// for an in-memory database)",
    );
  return raw;
}

/** An OIDC issuer: https, or http on this machine only (a development provider). */
function oidcIssuer(raw: string): string | undefined {
  if (raw === "") return undefined;
  if (!URL.canParse(raw)) throw new InvalidArgumentError(`--oidc-issuer must be a URL, got "${raw}"`);
  const url = new URL(raw);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackUrl(url)))
    throw new InvalidArgumentError(`--oidc-issuer must be https (http only on loopback), got "${raw}"`);
  return raw;
}

function redirectUrl(raw: string): string | undefined {
  if (raw === "") return undefined;
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol))
    throw new InvalidArgumentError(`--oidc-redirect-url must be an http(s) URL, got "${raw}"`);
  return raw;
}

const MIN_SESSION_SECRET_CHARS = 32;

function sessionSecret(raw: string): string | undefined {
  if (raw === "") return undefined;
  if (raw.length < MIN_SESSION_SECRET_CHARS)
    throw new InvalidArgumentError(
      `--session-secret must be at least ${MIN_SESSION_SECRET_CHARS} characters (try: openssl rand -base64 32)`,
    );
  return raw;
}

function text(raw: string): string | undefined {
  return raw === "" ? undefined : raw;
}

const D = DEFAULT_RELAY_LIMITS;
const HOUR_MS = 3_600_000;

/** One limit flag: its env variable is the flag's name in capitals; [min, max] bounds it. */
function limitOption(flag: string, description: string, fallback: number, min: number, max: number): Option {
  const name = flag.replace(/^--/, "");
  return new Option(`${flag} <n>`, description)
    .env(name.toUpperCase().replaceAll("-", "_"))
    .default(fallback)
    .argParser(integer(flag, min, max, fallback));
}

function buildCommand(): Command {
  return new Command("npm start --")
    .description("videocall relay server")
    .usage("[options]")
    .helpOption("-h, --help", "show this help")
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
    .addOption(
      new Option("--port <n>", "HTTP/WebSocket port; 0 picks a free one")
        .env("PORT")
        .default(8080)
        .argParser(integer("--port", 0, 65535, 8080)),
    )
    .addOption(new Option("--host <addr>", "address to listen on").env("HOST").default("0.0.0.0"))
    .addOption(
      new Option("--web-root <dir>", "built web app")
        .env("WEB_ROOT")
        .default(DEFAULT_WEB_ROOT, "packages/web/dist")
        .argParser((raw) => (raw === "" ? DEFAULT_WEB_ROOT : raw)),
    )
    .addOption(
      new Option("--heartbeat-timeout-ms <n>", "disconnect clients silent this long")
        .env("HEARTBEAT_TIMEOUT_MS")
        .default(15_000)
        .argParser(integer("--heartbeat-timeout-ms", 100, HOUR_MS, 15_000)),
    )
    .addOption(
      new Option("--webtransport-port <n>", "WebTransport (HTTP/3, UDP) port (default: the --port number)")
        .env("WEBTRANSPORT_PORT")
        .argParser(integer("--webtransport-port", 0, 65535)),
    )
    .addOption(
      new Option(
        "--webtransport-public-port <n>",
        "the UDP port browsers are told to use, if a NAT or load balancer maps it (default: the bound port)",
      )
        .env("WEBTRANSPORT_PUBLIC_PORT")
        .argParser(integer("--webtransport-public-port", 1, 65535)),
    )
    .addOption(new Option("--no-webtransport", "serve WebSocket only (env: WEBTRANSPORT=off)"))
    .addOption(
      new Option("--tls-cert <file>", "PEM certificate for HTTPS/WSS and WebTransport")
        .env("TLS_CERT_FILE")
        .argParser(text),
    )
    .addOption(
      new Option(
        "--tls-key <file>",
        "PEM private key for it; without both, HTTP is plain and WebTransport uses a generated 10-day development certificate",
      )
        .env("TLS_KEY_FILE")
        .argParser(text),
    )
    .addOption(
      new Option(
        "--nats-url <urls>",
        "link this node to others through NATS, e.g. nats://127.0.0.1:4222; comma-separate a cluster's servers (default: no NATS, a single node)",
      )
        .env("NATS_URL")
        .argParser(natsUrls),
    )
    .addOption(
      new Option(
        "--public-url <url>",
        "origin clients use to reach this node, listed by GET /api/servers (default: the listen URL)",
      )
        .env("PUBLIC_URL")
        .argParser(publicUrl),
    )
    .addOption(
      new Option("--node-id <id>", "this node's name on the bus (default: random)")
        .env("NODE_ID")
        .argParser(nodeId),
    )
    .addOption(
      new Option("--data-dir <dir>", "where the embedded database (PGlite) keeps meetings, hosts and bans")
        .env("VIDEOCALL_DATA_DIR")
        .default(DEFAULT_DATA_DIR)
        .argParser((raw) => (raw === "" ? DEFAULT_DATA_DIR : raw)),
    )
    .addOption(
      new Option(
        "--recordings-dir <dir>",
        "where server-side recordings are written (WebM, one file per participant)",
      )
        .env("VIDEOCALL_RECORDINGS_DIR")
        .default(DEFAULT_RECORDINGS_DIR)
        .argParser((raw) => (raw === "" ? DEFAULT_RECORDINGS_DIR : raw)),
    )
    .addOption(
      new Option(
        "--database-url <url>",
        "use this PostgreSQL server instead of the embedded database, e.g. postgres://user:pass@host/videocall (memory:// for a throwaway one)",
      )
        .env("DATABASE_URL")
        .argParser(databaseUrl),
    )
    .addOption(
      new Option("--api-key <key>", "key of the room tokens integrators mint (docs/tokens.md)")
        .env("VIDEOCALL_API_KEY")
        .argParser(text),
    )
    .addOption(
      new Option(
        "--api-secret <secret>",
        "HS256 secret for that key; without key and secret the server signs its own tokens with a random per-process secret",
      )
        .env("VIDEOCALL_API_SECRET")
        .argParser(text),
    )
    .addOption(
      new Option(
        "--require-token",
        "refuse joins without a room token (4021); default: they join as guests (env VIDEOCALL_REQUIRE_TOKEN=1)",
      ),
    )
    .addOption(
      new Option(
        "--oidc-issuer <url>",
        "sign in through this OpenID Connect provider, e.g. https://accounts.google.com (default: no sign-in, open guest mode)",
      )
        .env("OIDC_ISSUER")
        .argParser(oidcIssuer),
    )
    .addOption(
      new Option("--oidc-client-id <id>", "this server's client id at the provider")
        .env("OIDC_CLIENT_ID")
        .argParser(text),
    )
    .addOption(
      new Option(
        "--oidc-client-secret <secret>",
        "its client secret (default: none, a public client with PKCE)",
      )
        .env("OIDC_CLIENT_SECRET")
        .argParser(text),
    )
    .addOption(
      new Option(
        "--oidc-redirect-url <url>",
        "the callback registered at the provider (default: <public url>/auth/callback)",
      )
        .env("OIDC_REDIRECT_URL")
        .argParser(redirectUrl),
    )
    .addOption(
      new Option("--oidc-timeout-ms <n>", "deadline of each request to the provider")
        .env("OIDC_TIMEOUT_MS")
        .default(DEFAULT_PROVIDER_TIMEOUT_MS)
        .argParser(integer("--oidc-timeout-ms", 100, 120_000, DEFAULT_PROVIDER_TIMEOUT_MS)),
    )
    .addOption(
      new Option(
        "--session-secret <secret>",
        "seals sign-in session cookies; give every node the same one (default: random per process, sessions end on restart)",
      )
        .env("VIDEOCALL_SESSION_SECRET")
        .argParser(sessionSecret),
    )
    .addOption(
      limitOption(
        "--max-connections-per-ip",
        "WebSocket + WebTransport connections open at once from one client IP; more get 4007",
        D.maxConnectionsPerIp,
        1,
        1_000_000,
      ),
    )
    .addOption(
      limitOption(
        "--max-participants-per-meeting",
        "participants of one meeting, all nodes; more get 4004",
        D.maxParticipantsPerMeeting,
        1,
        1_000_000,
      ),
    )
    .addOption(
      limitOption(
        "--max-meetings",
        "meetings with participants on this node; a join that would add one more gets 4005",
        D.maxMeetings,
        1,
        10_000_000,
      ),
    )
    .addOption(
      limitOption(
        "--max-packets-per-second",
        "per connection, for video and separately for audio + control; over it packets are dropped, at 2x for 2 s the connection gets 4006",
        D.maxPacketsPerSecond,
        1,
        1_000_000,
      ),
    )
    .addOption(
      limitOption("--max-bytes-per-second", "the same in bytes", D.maxBytesPerSecond, 1000, 100_000_000_000),
    )
    .addOption(
      limitOption(
        "--handshake-timeout-ms",
        "from connecting to the client's first packet; slower gets 4008",
        D.handshakeTimeoutMs,
        100,
        HOUR_MS,
      ),
    )
    .addOption(
      limitOption(
        "--max-webtransport-streams",
        "streams a WebTransport client may open (it uses one); more get 4009",
        D.maxWebTransportStreams,
        1,
        1000,
      ),
    )
    .addOption(
      limitOption(
        "--max-packet-bytes",
        "largest packet; larger gets 1009",
        D.maxPacketBytes,
        1024,
        MAX_PACKET_BYTES_CEILING,
      ),
    )
    .addOption(
      limitOption(
        "--max-queued-bytes-per-subscriber",
        "bytes waiting for one slow subscriber; past it its video drops until a key frame",
        D.maxQueuedBytesPerSubscriber,
        65_536,
        2 ** 40,
      ),
    )
    .addOption(
      limitOption(
        "--max-queued-bytes",
        "bytes waiting for all subscribers of this node; past it every queue drops new video",
        D.maxQueuedBytes,
        65_536,
        2 ** 44,
      ),
    )
    .addHelpText(
      "after",
      `
On SIGTERM or SIGINT the server drains: every client gets a Goodbye ("server draining") and a
close with code 1012 (service restart), the other nodes are told, then the process exits.
Limits and what clients see: docs/limits.md.`,
    );
}

/** Parses `args`, with env variables (process.env) as fallbacks. Throws UsageError on a bad command line. */
export function parseServerFlags(args: string[]): ParsedFlags {
  const command = buildCommand();
  try {
    command.parse(args, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return { kind: "help", text: helpText(command) };
      throw new UsageError(error.message.replace(/^error: /, ""), helpText(command));
    }
    throw error;
  }
  const o = command.opts();
  if (command.args.length > 0)
    throw new UsageError(`unexpected argument "${command.args[0]}"`, helpText(command));
  const webTransportOff = o.webtransport === false || Deno.env.get("WEBTRANSPORT") === "off";
  const tlsCertPath = o.tlsCert as string | undefined;
  const tlsKeyPath = o.tlsKey as string | undefined;
  if (Boolean(tlsCertPath) !== Boolean(tlsKeyPath))
    throw new UsageError("--tls-cert and --tls-key go together", helpText(command));
  const oidc = oidcSettings(o, helpText(command));
  const apiKey = o.apiKey as string | undefined;
  const apiSecret = o.apiSecret as string | undefined;
  if (Boolean(apiKey) !== Boolean(apiSecret))
    throw new UsageError("--api-key and --api-secret go together", helpText(command));
  if (apiSecret !== undefined && new TextEncoder().encode(apiSecret).length < 32)
    throw new UsageError("--api-secret must be at least 32 bytes (HS256)", helpText(command));
  const requireTokenEnv = Deno.env.get("VIDEOCALL_REQUIRE_TOKEN");
  return {
    kind: "run",
    flags: {
      port: o.port,
      host: o.host || "0.0.0.0",
      webRoot: o.webRoot,
      heartbeatTimeoutMs: o.heartbeatTimeoutMs,
      webTransportPort: webTransportOff ? false : o.webtransportPort,
      webTransportPublicPort: o.webtransportPublicPort,
      tlsCertPath,
      tlsKeyPath,
      natsUrls: o.natsUrl,
      publicUrl: o.publicUrl,
      nodeId: o.nodeId,
      dataDir: o.dataDir,
      recordingsDir: o.recordingsDir,
      databaseUrl: o.databaseUrl,
      apiKey,
      apiSecret,
      requireToken: o.requireToken === true || requireTokenEnv === "1" || requireTokenEnv === "true",
      limits: {
        maxConnectionsPerIp: o.maxConnectionsPerIp,
        maxParticipantsPerMeeting: o.maxParticipantsPerMeeting,
        maxMeetings: o.maxMeetings,
        maxPacketsPerSecond: o.maxPacketsPerSecond,
        maxBytesPerSecond: o.maxBytesPerSecond,
        handshakeTimeoutMs: o.handshakeTimeoutMs,
        maxWebTransportStreams: o.maxWebtransportStreams,
        maxPacketBytes: o.maxPacketBytes,
        maxQueuedBytesPerSubscriber: o.maxQueuedBytesPerSubscriber,
        maxQueuedBytes: o.maxQueuedBytes,
      },
      oidc,
      sessionSecret: o.sessionSecret,
    },
  };
}
function oidcSettings(o: Record<string, unknown>, usage: string): OidcSettings | undefined {
  const issuer = o.oidcIssuer as string | undefined;
  const clientId = o.oidcClientId as string | undefined;
  if (!issuer) {
    if (clientId || o.oidcClientSecret || o.oidcRedirectUrl)
      throw new UsageError(
        "--oidc-client-id, --oidc-client-secret and --oidc-redirect-url need --oidc-issuer",
        usage,
      );
    return undefined;
  }
  if (!clientId) throw new UsageError("--oidc-issuer needs --oidc-client-id", usage);
  return {
    issuer,
    clientId,
    clientSecret: o.oidcClientSecret as string | undefined,
    redirectUrl: o.oidcRedirectUrl as string | undefined,
    providerTimeoutMs: o.oidcTimeoutMs as number,
  };
}

function helpText(command: Command): string {
  let text = "";
  command.configureOutput({
    writeOut: (chunk) => {
      text += chunk;
    },
  });
  command.outputHelp();
  return text.trimEnd();
}
