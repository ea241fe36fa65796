import { InMemoryBusHub } from "./bus/in-memory-bus.ts";
import type { MeetingBus } from "./bus/meeting-bus.ts";
import { createRequestHandler } from "./http/http-server.ts";
import { StaticFiles } from "./http/static-files.ts";
import { log } from "./observability/log.ts";
import { createMetricsRegistry } from "./observability/metrics.ts";
import { RelayStats } from "./observability/relay-stats.ts";
import { Relay } from "./relay/relay.ts";
import type { SubscriberQueueLimits } from "./relay/subscriber-queue.ts";

export const SERVER_VERSION = "0.1.0";

export interface ServerConfig {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** Directory of the built web app. */
  webRoot: string;
  heartbeatTimeoutMs: number;
  bus?: MeetingBus;
  queueLimits?: SubscriberQueueLimits;
}

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  readonly relay: Relay;
  readonly stats: RelayStats;
  shutdown(): Promise<void>;
}

/** Starts the relay: HTTP (web app, health, metrics) and the WebSocket lobby on one port. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const stats = new RelayStats();
  const relay = new Relay({
    bus: config.bus ?? new InMemoryBusHub().node(crypto.randomUUID()),
    stats,
    log,
    serverVersion: SERVER_VERSION,
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    ...(config.queueLimits ? { queueLimits: config.queueLimits } : {}),
  });
  const staticFiles = new StaticFiles(config.webRoot);
  if (!staticFiles.isBuilt) log.warn({ webRoot: config.webRoot }, "web app not built: run npm run build:web");
  const handler = createRequestHandler({
    relay,
    metrics: createMetricsRegistry(stats),
    staticFiles,
    version: SERVER_VERSION,
    startedAtMs: Date.now(),
    log,
  });
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const httpServer = Deno.serve(
    { hostname: config.hostname, port: config.port, onListen: (addr) => listening.resolve(addr) },
    handler,
  );
  const addr = await listening.promise;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const url = `http://${host === "0.0.0.0" ? "localhost" : host}:${addr.port}`;
  log.info({ port: addr.port, url }, "listening");
  return {
    port: addr.port,
    url,
    relay,
    stats,
    async shutdown() {
      relay.close();
      await httpServer.shutdown();
    },
  };
}
