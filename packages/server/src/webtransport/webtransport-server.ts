import type { Logger } from "../observability/log.ts";
import type { RelayStats } from "../observability/relay-stats.ts";
import type { Relay } from "../relay/relay.ts";
import {
  type Certificate,
  createDevelopmentCertificate,
  DEV_CERTIFICATE_RENEW_BEFORE_DAYS,
} from "../tls/development-certificate.ts";
import { serveWebTransportSession } from "./webtransport-session.ts";

export interface WebTransportServerOptions {
  hostname: string;
  /** UDP port; 0 picks a free one. */
  port: number;
  /** A production certificate; without one a short-lived development certificate is generated and renewed. */
  certificate?: Certificate;
  relay: Relay;
  stats: RelayStats;
  log: Logger;
}

export interface WebTransportServer {
  readonly port: number;
  /** The certificate in use; browsers pin its hash when it is a development certificate. */
  readonly certificate: Certificate;
  readonly isDevelopmentCertificate: boolean;
  close(): void;
}

const RENEW_CHECK_INTERVAL_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** HTTP/3 WebTransport on UDP (Deno's QuicEndpoint), feeding the same relay as the WebSocket lobby. */
export async function startWebTransportServer(
  options: WebTransportServerOptions,
): Promise<WebTransportServer> {
  const { relay, stats, log } = options;
  const isDevelopmentCertificate = options.certificate === undefined;
  let certificate =
    options.certificate ?? (await createDevelopmentCertificate(["localhost", "127.0.0.1", "::1"]));
  const endpoint = new Deno.QuicEndpoint({ hostname: options.hostname, port: options.port });
  let listener = listen(endpoint, certificate);
  let stopped = false;

  const acceptLoop = async (current: Deno.QuicListener) => {
    for await (const incoming of current) {
      acceptOne(incoming).catch((error: unknown) =>
        log.info({ detail: String(error) }, "webtransport session failed to start"),
      );
    }
  };
  const acceptOne = async (incoming: Deno.QuicIncoming) => {
    const conn = await incoming.accept();
    conn.closed.catch(() => {});
    const session = await Deno.upgradeWebTransport(conn);
    session.closed.catch(() => {}); // an idle-timeout rejection must not kill the process
    await session.ready;
    await serveWebTransportSession(session, relay, stats, log);
  };
  acceptLoop(listener).catch(() => {});

  // Development certificates live 10 days; renew before Chromium would refuse them. Sessions
  // already open keep their connection; new ones get the new certificate (and its new hash).
  const renewTimer = isDevelopmentCertificate
    ? setInterval(async () => {
        if (certificate.notAfter.getTime() - Date.now() > DEV_CERTIFICATE_RENEW_BEFORE_DAYS * DAY_MS) return;
        certificate = await createDevelopmentCertificate(["localhost", "127.0.0.1", "::1"]);
        listener.stop();
        listener = listen(endpoint, certificate);
        acceptLoop(listener).catch(() => {});
        log.info({ notAfter: certificate.notAfter.toISOString() }, "renewed the development certificate");
      }, RENEW_CHECK_INTERVAL_MS)
    : undefined;

  return {
    port: endpoint.addr.port,
    get certificate() {
      return certificate;
    },
    isDevelopmentCertificate,
    close() {
      if (stopped) return;
      stopped = true;
      clearInterval(renewTimer);
      listener.stop();
      endpoint.close();
    },
  };
}

function listen(endpoint: Deno.QuicEndpoint, certificate: Certificate): Deno.QuicListener {
  return endpoint.listen({
    cert: certificate.certPem,
    key: certificate.keyPem,
    alpnProtocols: ["h3"],
    keepAliveInterval: 1000,
    maxIdleTimeout: 30_000,
  });
}
