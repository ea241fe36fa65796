import { parseLobbyPath } from "@videocall/protocol";
import type { Registry } from "prom-client";
import type { SignIn } from "../auth/sign-in.ts";
import type { TokenRoutes } from "../auth/token-routes.ts";
import type { DatabaseState } from "../db/open-database.ts";
import type { ServerNode } from "../discovery/node-discovery.ts";
import { normalizeIp } from "../limits/connections-per-ip.ts";
import type { Logger } from "../observability/log.ts";
import type { RecordingRoutes } from "../recording/recording-routes.ts";
import type { Relay } from "../relay/relay.ts";
import type { WebTransportServer } from "../webtransport/webtransport-server.ts";
import type { StaticFiles } from "./static-files.ts";
import type { WebSocketUpgradeRequest } from "./tcp-front.ts";
import { acceptWebSocket } from "./websocket-connection.ts";

export interface HttpRoutes {
  relay: Relay;
  metrics: Registry;
  staticFiles: StaticFiles;
  version: string;
  startedAtMs: number;
  log: Logger;
  /** Live relay nodes for GET /api/servers. */
  servers: () => ServerNode[];
  webTransport: () => WebTransportServer | undefined;
  webTransportPublicPort?: number | undefined;
  /** /auth/* and /api/me (docs/sign-in.md). */
  signIn: SignIn;
  /** Where the database stands (GET /readyz answers 200 once it is ready). */
  database: () => DatabaseState;
  /** POST /api/tokens and POST /api/meetings/<id>/join (docs/tokens.md). */
  tokens?: TokenRoutes;
  /** GET /api/meetings/<id>/recordings[/<file>] (docs/recording.md). */
  recordings?: RecordingRoutes | undefined;
}

/** A WebSocket handshake that arrived through the TCP front: the lobby upgrades, anything else gets 404. */
export function handleFrontWebSocket(relay: Relay, upgrade: WebSocketUpgradeRequest): void {
  const lobby = parseLobbyPath(new URL(upgrade.request.url).pathname);
  if (lobby.kind === "not-lobby") {
    upgrade.respond(404);
    return;
  }
  // Admission is awaited before the upgrade (the socket stays paused meanwhile).
  acceptWebSocket(
    upgrade.request,
    relay,
    lobby.username,
    lobby.meetingId,
    normalizeIp(upgrade.remoteAddress),
    {
      socket: upgrade.socket,
      head: upgrade.rest,
    },
  ).then(
    (response) => {
      if (response.status === 400) upgrade.respond(400); // Deno refused the handshake's headers
    },
    () => upgrade.respond(500),
  );
}

/** Routes one HTTP request: health, metrics, the WebSocket lobby, then the web app's files. */
export function createRequestHandler(
  routes: HttpRoutes,
): (request: Request, info: Deno.ServeHandlerInfo) => Promise<Response> | Response {
  return async (request, info) => {
    const url = new URL(request.url);
    const lobby = parseLobbyPath(url.pathname);
    if (lobby.kind !== "not-lobby") {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return new Response("expected a WebSocket upgrade\n", { status: 426 });
      }
      return acceptWebSocket(request, routes.relay, lobby.username, lobby.meetingId, clientIpOf(info));
    }
    const tokenResponse = routes.tokens?.handle(request, url);
    if (tokenResponse) return tokenResponse;
    const recordingResponse = routes.recordings?.handle(request, url);
    if (recordingResponse) return recordingResponse;
    const signInResponse = routes.signIn.handle(request, url);
    if (signInResponse) return signInResponse;
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405 });
    }
    switch (url.pathname) {
      case "/api/servers":
        // Public and cheap: clients (of any node's origin) pick a node or fail over with it.
        return Response.json(
          { servers: routes.servers() },
          { headers: { "cache-control": "no-store", "access-control-allow-origin": "*" } },
        );
      case "/healthz":
        return Response.json({
          status: "ok",
          version: routes.version,
          uptimeSeconds: Math.round((Date.now() - routes.startedAtMs) / 1000),
          meetings: routes.relay.meetingCount,
          connections: routes.relay.connectionCount,
          database: routes.database().kind,
        });
      case "/readyz": {
        // Up (healthz) is not ready: joins wait for the database, which may take seconds to open, and a
        // draining node turns them away, so a load balancer stops sending it new participants.
        const database = routes.database().kind;
        const draining = routes.relay.isDraining;
        const ready = database === "ready" && !draining;
        return Response.json(
          { status: ready ? "ready" : "not ready", database, draining },
          { status: ready ? 200 : 503, headers: { "cache-control": "no-store" } },
        );
      }
      case "/api/webtransport": {
        // Where and how a browser reaches this node over WebTransport. With a development
        // certificate the browser pins its hash (serverCertificateHashes) instead of trusting a CA.
        const webTransport = routes.webTransport();
        if (!webTransport) return Response.json({ enabled: false }, { headers: NO_STORE });
        return Response.json(
          {
            enabled: true,
            port: routes.webTransportPublicPort ?? webTransport.port,
            certificateHashes: webTransport.isDevelopmentCertificate
              ? [{ algorithm: "sha-256", valueBase64: toBase64(webTransport.certificate.sha256) }]
              : [],
          },
          { headers: NO_STORE },
        );
      }
      case "/api/debug/rooms": {
        // Usernames and meeting ids are for the operator only: answered on loopback alone.
        if (!isLoopback(clientIpOf(info))) return new Response("not found\n", { status: 404 });
        return Response.json(routes.relay.debugSnapshot(), { headers: { "cache-control": "no-store" } });
      }
      case "/metrics":
        return new Response(await routes.metrics.metrics(), {
          headers: { "content-type": routes.metrics.contentType },
        });
      default:
        return routes.staticFiles.serve(url.pathname);
    }
  };
}

// Clients fail over between nodes of different origins, so this node's WebTransport details are public.
const NO_STORE = { "cache-control": "no-store", "access-control-allow-origin": "*" };

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function isLoopback(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.") || ip === "local";
}

/** The peer's IP (the TCP peer: a proxy in front of the relay would need its forwarded header trusted instead). */
function clientIpOf(info: Deno.ServeHandlerInfo): string {
  const addr = info.remoteAddr as Deno.Addr;
  return addr.transport === "tcp" || addr.transport === "udp" ? normalizeIp(addr.hostname) : "local";
}
