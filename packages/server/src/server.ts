import type { Admitter } from "./admission/admitter.ts";
import { TokenAdmitter } from "./admission/token-admitter.ts";
import { type OidcSettings, OidcSignIn } from "./auth/oidc/mod.ts";
import { type ApiCredentials, randomApiCredentials } from "./auth/room-token.ts";
import { NO_SIGN_IN, type SignIn } from "./auth/sign-in.ts";
import type { SignedInUsers } from "./auth/signed-in-user.ts";
import { TokenRoutes } from "./auth/token-routes.ts";
import { InMemoryBusHub } from "./bus/in-memory-bus.ts";
import type { MeetingBus } from "./bus/meeting-bus.ts";
import { type OpeningDatabase, openDatabase } from "./db/open-database.ts";
import { repositoriesFor } from "./db/repositories/mod.ts";
import type { OidcSignIn as UserSignIn } from "./db/repositories/users.ts";
import { type NodeDiscovery, SingleNodeDiscovery } from "./discovery/node-discovery.ts";
import { createRequestHandler, handleFrontWebSocket } from "./http/http-server.ts";
import { StaticFiles } from "./http/static-files.ts";
import { type FrontRefusal, startTcpFront } from "./http/tcp-front.ts";
import { turnBatcher } from "./http/turn-batcher.ts";
import { QueuedBytesBudget } from "./limits/queued-bytes-budget.ts";
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from "./limits/relay-limits.ts";
import { MeetingDirectory } from "./meetings/meeting-directory.ts";
import { log } from "./observability/log.ts";
import { createMetricsRegistry } from "./observability/metrics.ts";
import { RelayStats } from "./observability/relay-stats.ts";
import { RecordingRoutes } from "./recording/recording-routes.ts";
import { Recordings } from "./recording/recordings.ts";
import { Relay } from "./relay/relay.ts";
import type { SubscriberQueueLimits } from "./relay/subscriber-queue.ts";
import type { Certificate } from "./tls/development-certificate.ts";
import { startWebTransportServer, type WebTransportServer } from "./webtransport/webtransport-server.ts";

export const SERVER_VERSION = "0.1.0";

export interface ServerConfig {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** Directory of the built web app. */
  webRoot: string;
  heartbeatTimeoutMs: number;
  bus?: MeetingBus;
  /** Live nodes for GET /api/servers (default: this node alone); the NATS bus is one. */
  discovery?: NodeDiscovery;
  /** Origin clients should use to reach this node (default: the listen URL). */
  publicUrl?: string;
  /** Packet-count limits of the subscriber queues (their byte limit is in `limits`). */
  queueLimits?: Omit<SubscriberQueueLimits, "maxQueuedBytes">;
  /** Resource limits (docs/limits.md); default DEFAULT_RELAY_LIMITS. */
  limits?: RelayLimits;
  /**
   * WebTransport (HTTP/3) UDP port: undefined = the HTTP port's number, 0 = a free port,
   * false = no WebTransport.
   */
  webTransportPort?: number | false;
  /** The UDP port browsers are told to use, when a NAT or load balancer maps it; default the bound port. */
  webTransportPublicPort?: number;
  /** TLS certificate for HTTPS/WSS and WebTransport; without one HTTP is plain and WebTransport uses a development certificate. */
  certificate?: Certificate;
  /** Who may join, as whom and in which role (default: the TokenAdmitter over `meetings`, docs/permissions.md). */
  admitter?: Admitter;
  /** Meetings' settings, co-hosts, bans and log, for admission and host controls (default: over `database`). */
  meetings?: MeetingDirectory;
  /**
   * Meetings, hosts, bans and the log (docs/database.md). Default: a new in-memory PGlite, closed on
   * shutdown; a passed one is the caller's to close. It may still be opening: the server listens at once and
   * admission waits for it (bounded, then 4020 "server starting").
   */
  database?: OpeningDatabase;
  /** How long a join waits for a database still opening before it is refused with 4020 (default 15 s). */
  databaseReadyTimeoutMs?: number;
  /**
   * The API key and secret room tokens are signed with (docs/tokens.md). Without them the server signs its
   * own tokens with a random per-process secret: tokens from the join endpoint work on this process only, and
   * POST /api/tokens is off.
   */
  apiCredentials?: ApiCredentials;
  /** Where hosts' server-side recordings go (docs/recording.md); without it, recording is off. */
  recordingsDir?: string;
  /** Refuse joins without a room token (4021) instead of admitting them as guests. */
  requireToken?: boolean;
  /** Who is signed in (the OIDC sign-in); default nobody, open guest mode. */
  signedInUsers?: SignedInUsers;
  /** Sign-in through an OpenID Connect provider (docs/sign-in.md); without it, open guest mode. */
  oidc?: OidcSettings | undefined;
  /** Seals session cookies; default random per process (sessions end on restart). */
  sessionSecret?: string | undefined;
  /** Records each OIDC sign-in; default: upsert the user in `database` (users.upsertFromOidc). */
  recordSignIn?: ((signIn: UserSignIn) => Promise<unknown>) | undefined;
}

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  readonly relay: Relay;
  readonly stats: RelayStats;
  readonly webTransport: WebTransportServer | undefined;
  /** Who is signed in (the session cookie), for the join endpoint; NO_SIGN_IN without OIDC. */
  readonly signIn: SignIn;
  readonly database: OpeningDatabase;
  readonly meetings: MeetingDirectory;
  /** Server-side recordings; undefined without `recordingsDir`. */
  readonly recordings: Recordings | undefined;
  shutdown(options?: ShutdownOptions): Promise<void>;
}

export interface ShutdownOptions {
  /** WebSocket close code for the clients (default 1001 going away; 1012 for a drain). */
  code?: number;
  /** Sent to each client in a Goodbye and as the close reason. */
  reason?: string;
}

/**
 * HTTP handshakes in progress from one IP. Its own cap, not --max-connections-per-ip: a burst of
 * joins from one office is normal and gets the relay's 4007 with a reason past that limit; this one
 * only bounds sockets a client holds open without finishing its request head.
 */
const MAX_HANDSHAKES_PER_IP = 64;
/** HTTP handshakes in progress on the TCP front, from all clients together. */
const MAX_HANDSHAKES_IN_PROGRESS = 4096;
/** Largest HTTP request head; a browser's WebSocket handshake is under 2 KiB. */
const MAX_REQUEST_HEAD_BYTES = 16 * 1024;

function countFrontRefusal(relay: Relay, stats: RelayStats, reason: FrontRefusal): void {
  switch (reason) {
    case "handshake_timeout":
      relay.limitHits.report(
        "handshake_timeout",
        { transport: "http" },
        "closing connection: no request head in time",
      );
      break;
    case "pending_per_ip":
      relay.limitHits.report(
        "connections_per_ip",
        { transport: "http" },
        "refused: too many handshakes from one IP",
      );
      break;
    case "pending_total":
      relay.limitHits.report("handshakes_in_progress", {}, "refused: too many handshakes in progress");
      break;
    case "head_too_large":
    case "bad_head":
      stats.countBadInput("bad_http_head");
      break;
  }
}

/** How long a join waits for the database at start-up (PGlite's first start takes seconds) before 4020. */
const DATABASE_READY_TIMEOUT_MS = 15_000;

/** How long a shutdown waits for the clients' connections to close, so their leaves reach the bus. */
const SHUTDOWN_CLOSE_WAIT_MS = 1000;

async function startOidcSignIn(
  settings: OidcSettings,
  config: ServerConfig,
  recordSignIn: (signIn: UserSignIn) => Promise<unknown>,
  publicOrigin: () => string,
): Promise<SignIn> {
  if (!config.sessionSecret)
    log.warn(
      "no --session-secret: sign-in sessions end when this process does, and other nodes do not see them",
    );
  return await OidcSignIn.create({
    settings,
    publicOrigin,
    sessionSecret: config.sessionSecret,
    recordSignIn,
    log,
  });
}

/** Starts the relay: HTTP (web app, health, metrics) and the WebSocket lobby on one port. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const stats = new RelayStats();
  const bus = config.bus ?? new InMemoryBusHub().node(crypto.randomUUID());
  const discovery = config.discovery ?? new SingleNodeDiscovery(bus.nodeId);
  const limits = config.limits ?? DEFAULT_RELAY_LIMITS;
  const queuedBytes = new QueuedBytesBudget(limits.maxQueuedBytes);
  const ownsDatabase = config.database === undefined;
  const database = config.database ?? openDatabase({ backend: "pglite" });
  const meetings =
    config.meetings ??
    new MeetingDirectory(database, {
      readyTimeoutMs: config.databaseReadyTimeoutMs ?? DATABASE_READY_TIMEOUT_MS,
    });
  const credentials = config.apiCredentials ?? randomApiCredentials();
  const admitter =
    config.admitter ??
    new TokenAdmitter({
      meetings,
      credentials,
      requireToken: config.requireToken ?? false,
    });
  let url = ""; // known once the server listens; the sign-in and the recorder read it on first use
  const recordings = config.recordingsDir
    ? new Recordings({
        directory: config.recordingsDir,
        credentials,
        // The recorder joins over loopback: the bound address, not the public URL.
        serverUrl: () => url,
        log,
      })
    : undefined;
  const relay = new Relay({
    ...(recordings ? { recordings } : {}),
    admitter,
    meetings,
    limits,
    queuedBytes,
    bus,
    stats,
    log,
    serverVersion: SERVER_VERSION,
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    ...(config.queueLimits ? { queueLimits: config.queueLimits } : {}),
  });
  let webTransport: WebTransportServer | undefined;
  const recordSignIn =
    config.recordSignIn ??
    (async (signIn: UserSignIn) =>
      await repositoriesFor(await database.readyWithin(DATABASE_READY_TIMEOUT_MS)).users.upsertFromOidc(
        signIn,
      ));
  const signIn = config.oidc
    ? await startOidcSignIn(config.oidc, config, recordSignIn, () => config.publicUrl ?? url)
    : NO_SIGN_IN;
  const staticFiles = new StaticFiles(config.webRoot);
  if (!staticFiles.isBuilt) log.warn({ webRoot: config.webRoot }, "web app not built: run npm run build:web");
  const handler = createRequestHandler({
    relay,
    servers: () => discovery.liveNodes(),
    metrics: createMetricsRegistry(stats, {
      queuedBytes: () => queuedBytes.queuedBytes,
      websocketBatchesHeld: () => turnBatcher.batchesHeld,
      bus: bus.stats,
    }),
    staticFiles,
    database: () => database.state(),
    tokens: new TokenRoutes({
      credentials,
      credentialsConfigured: config.apiCredentials !== undefined,
      signedInUsers: config.signedInUsers ?? signIn,
    }),
    version: SERVER_VERSION,
    startedAtMs: Date.now(),
    log,
    webTransport: () => webTransport,
    signIn,
    webTransportPublicPort: config.webTransportPublicPort,
    recordings: recordings ? new RecordingRoutes({ recordings, credentials, meetings }) : undefined,
  });
  // Plain HTTP goes through the TCP front (handshake deadlines Deno.serve lacks, cheaper WebSockets);
  // a TLS socket cannot be handed to Deno's WebSocket that way, so with a certificate Deno.serve listens itself.
  const front = config.certificate
    ? undefined
    : await startTcpFront({
        hostname: config.hostname,
        port: config.port,
        handshakeTimeoutMs: limits.handshakeTimeoutMs,
        maxPendingPerIp: Math.max(MAX_HANDSHAKES_PER_IP, limits.maxConnectionsPerIp),
        maxPending: MAX_HANDSHAKES_IN_PROGRESS,
        maxHeadBytes: MAX_REQUEST_HEAD_BYTES,
        onWebSocket: (upgrade) => handleFrontWebSocket(relay, upgrade),
        onRefused: (reason) => countFrontRefusal(relay, stats, reason),
      });
  const listening = Promise.withResolvers<void>();
  const onListen = () => listening.resolve();
  const httpServer = front
    ? Deno.serve({ path: front.upstreamPath, transport: "unix", onListen }, handler)
    : Deno.serve(
        {
          hostname: config.hostname,
          port: config.port,
          onListen,
          ...(config.certificate ? { cert: config.certificate.certPem, key: config.certificate.keyPem } : {}),
        },
        handler,
      );
  await listening.promise;
  const addr = front ? { hostname: config.hostname, port: front.port } : (httpServer.addr as Deno.NetAddr);
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const scheme = config.certificate ? "https" : "http";
  url = `${scheme}://${host === "0.0.0.0" || host === "[::]" ? "localhost" : host}:${addr.port}`;
  if (config.webTransportPort !== false) {
    webTransport = await startWebTransportServer({
      // Browsers resolve "localhost" to ::1 for QUIC and do not fall back to 127.0.0.1 as they do
      // for TCP, so "all IPv4 addresses" becomes dual-stack "all addresses" for UDP.
      hostname: config.hostname === "0.0.0.0" ? "::" : config.hostname,
      port: config.webTransportPort ?? addr.port,
      ...(config.certificate ? { certificate: config.certificate } : {}),
      relay,
      stats,
      log,
    });
  }
  log.info({ port: addr.port, url, webTransportPort: webTransport?.port }, "listening");
  discovery.announce({
    publicUrl: config.publicUrl ?? url,
    startedAtMs: Date.now(),
    participants: () => relay.connectionCount,
    meetings: () => relay.meetingCount,
  });
  return {
    port: addr.port,
    url,
    relay,
    stats,
    webTransport,
    signIn,
    database,
    meetings,
    recordings,
    async shutdown(options = {}) {
      await recordings?.stopAll();
      relay.close(options.code, options.reason);
      const deadline = performance.now() + SHUTDOWN_CLOSE_WAIT_MS;
      while (relay.openTransportCount > 0 && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      webTransport?.close();
      await front?.close();
      await httpServer.shutdown();
      if (ownsDatabase) await database.close();
    },
  };
}
