import { normalizeIp } from "../limits/connections-per-ip.ts";
import { HandshakeDeadline } from "../limits/handshake-deadline.ts";
import type { Logger } from "../observability/log.ts";
import type { RelayStats } from "../observability/relay-stats.ts";
import { CloseCode } from "../relay/client-connection.ts";
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
  /**
   * One QUIC connection, one WebTransport session. The handshake deadline runs from here (QUIC
   * accept, session.ready, the packet stream, the first packet): a client that stalls at any step
   * is closed with 4008. The connection counts against its IP from the QUIC accept on.
   */
  const acceptOne = async (incoming: Deno.QuicIncoming) => {
    const { limits } = relay;
    let conn: Deno.QuicConn | undefined;
    let session: (WebTransport & { url: string }) | undefined;
    const timeoutReason = `no packet within ${limits.handshakeTimeoutMs} ms of connecting`;
    const deadline = new HandshakeDeadline(limits.handshakeTimeoutMs, () => {
      relay.limitHits.report(
        "handshake_timeout",
        {
          clientIp: conn ? normalizeIp(conn.remoteAddr.hostname) : incoming.remoteAddr.hostname,
          transport: "webtransport",
          timeoutMs: limits.handshakeTimeoutMs,
        },
        "closing connection: no handshake in time",
      );
      closeQuietly(() =>
        session
          ? session.close({ closeCode: CloseCode.handshakeTimeout, reason: timeoutReason })
          : conn?.close({ closeCode: CloseCode.handshakeTimeout, reason: timeoutReason }),
      );
    });
    let slot: ReturnType<Relay["acquireConnectionSlot"]>;
    try {
      conn = await incoming.accept();
      conn.closed.catch(() => {});
      if (deadline.isExpired) {
        closeQuietly(() => conn?.close({ closeCode: CloseCode.handshakeTimeout, reason: timeoutReason }));
        return;
      }
      const clientIp = normalizeIp(conn.remoteAddr.hostname);
      slot = relay.acquireConnectionSlot(clientIp, "webtransport");
      const upgrading = Deno.upgradeWebTransport(conn);
      const upgraded = await Promise.race([upgrading, deadline.whenExpired]);
      if (!upgraded) {
        upgrading.then(
          (late) => closeQuietly(() => late.close()),
          () => {},
        );
        return;
      }
      session = upgraded;
      session.closed.catch(() => {}); // an idle-timeout rejection must not kill the process
      await Promise.race([session.ready, deadline.whenExpired]);
      if (deadline.isExpired) return;
      await serveWebTransportSession(session, relay, stats, log, { slot, deadline, clientIp });
    } finally {
      deadline.meet();
      slot?.release();
    }
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

function closeQuietly(close: () => void): void {
  try {
    close();
  } catch {
    // already closed
  }
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
