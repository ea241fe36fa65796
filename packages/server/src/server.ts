import { InMemoryBusHub } from "./bus/in-memory-bus.ts";
import type { MeetingBus } from "./bus/meeting-bus.ts";
import { type NodeDiscovery, SingleNodeDiscovery } from "./discovery/node-discovery.ts";
import { createRequestHandler } from "./http/http-server.ts";
import { StaticFiles } from "./http/static-files.ts";
import { QueuedBytesBudget } from "./limits/queued-bytes-budget.ts";
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from "./limits/relay-limits.ts";
import { log } from "./observability/log.ts";
import { createMetricsRegistry } from "./observability/metrics.ts";
import { RelayStats } from "./observability/relay-stats.ts";
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
}

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  readonly relay: Relay;
  readonly stats: RelayStats;
  readonly webTransport: WebTransportServer | undefined;
  shutdown(options?: ShutdownOptions): Promise<void>;
}

export interface ShutdownOptions {
  /** WebSocket close code for the clients (default 1001 going away; 1012 for a drain). */
  code?: number;
  /** Sent to each client in a Goodbye and as the close reason. */
  reason?: string;
}

/** How long a shutdown waits for the clients' connections to close, so their leaves reach the bus. */
const SHUTDOWN_CLOSE_WAIT_MS = 1000;

/** Starts the relay: HTTP (web app, health, metrics) and the WebSocket lobby on one port. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const stats = new RelayStats();
  const bus = config.bus ?? new InMemoryBusHub().node(crypto.randomUUID());
  const discovery = config.discovery ?? new SingleNodeDiscovery(bus.nodeId);
  const limits = config.limits ?? DEFAULT_RELAY_LIMITS;
  const queuedBytes = new QueuedBytesBudget(limits.maxQueuedBytes);
  const relay = new Relay({
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
  const staticFiles = new StaticFiles(config.webRoot);
  if (!staticFiles.isBuilt) log.warn({ webRoot: config.webRoot }, "web app not built: run npm run build:web");
  const handler = createRequestHandler({
    relay,
    servers: () => discovery.liveNodes(),
    metrics: createMetricsRegistry(stats, { queuedBytes: () => queuedBytes.queuedBytes }),
    staticFiles,
    version: SERVER_VERSION,
    startedAtMs: Date.now(),
    log,
    webTransport: () => webTransport,
    webTransportPublicPort: config.webTransportPublicPort,
  });
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const httpServer = Deno.serve(
    {
      hostname: config.hostname,
      port: config.port,
      onListen: (addr) => listening.resolve(addr),
      ...(config.certificate ? { cert: config.certificate.certPem, key: config.certificate.keyPem } : {}),
    },
    handler,
  );
  const addr = await listening.promise;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const scheme = config.certificate ? "https" : "http";
  const url = `${scheme}://${host === "0.0.0.0" || host === "[::]" ? "localhost" : host}:${addr.port}`;
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
    async shutdown(options = {}) {
      relay.close(options.code, options.reason);
      const deadline = performance.now() + SHUTDOWN_CLOSE_WAIT_MS;
      while (relay.connectionCount > 0 && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      webTransport?.close();
      await httpServer.shutdown();
    },
  };
}
