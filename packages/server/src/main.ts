import { CloseCode } from "@videocall/protocol";
import { NatsBusError, NatsMeetingBus } from "./bus/nats-meeting-bus.ts";
import { parseServerFlags, type ServerFlags, UsageError } from "./config/server-flags.ts";
import { databaseConfigFrom, openDatabase } from "./db/open-database.ts";
import { log } from "./observability/log.ts";
import { installProcessGuards } from "./observability/process-guards.ts";
import { startServer } from "./server.ts";
import { type Certificate, loadCertificate } from "./tls/development-certificate.ts";

let usage = "";
function fail(message: string): never {
  console.error(`error: ${message}\n\n${usage}`);
  Deno.exit(2);
}

let flags: ServerFlags;
try {
  const parsed = parseServerFlags(Deno.args);
  if (parsed.kind === "help") {
    console.log(parsed.text);
    Deno.exit(0);
  }
  flags = parsed.flags;
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  usage = error.usage;
  fail(error.message);
}
usage = "";

async function certificateFromFlags(): Promise<Certificate | undefined> {
  if (!flags.tlsCertPath || !flags.tlsKeyPath) return undefined;
  try {
    return await loadCertificate(flags.tlsCertPath, flags.tlsKeyPath);
  } catch (error) {
    fail((error as Error).message);
  }
}

// Opened first and not awaited: PGlite's first start takes seconds, the server listens meanwhile and joins wait.
const database = openDatabase(databaseConfigFrom(flags.databaseUrl, flags.dataDir));
database.ready.then(
  (_) => {
    const state = database.state();
    if (state.kind === "ready")
      log.info({ backend: state.database.backend, ...state.migrations }, "database ready");
    // Like "listening": for scripts that start the server and must not join before it is ready (bench/relay).
    console.log(JSON.stringify({ event: "database-ready" }));
  },
  (error: unknown) => log.error({ error: String(error) }, "database failed to open: joins are refused"),
);

if (flags.natsUrls && !flags.apiKey) {
  // Each node would sign with its own random secret: a client failing over carries a token the next node refuses.
  log.warn(
    {},
    "several nodes without --api-key/--api-secret: tokens from one node are refused (4022) by the others",
  );
}

const bus = flags.natsUrls
  ? await NatsMeetingBus.connect({
      servers: flags.natsUrls,
      log,
      ...(flags.nodeId ? { nodeId: flags.nodeId } : {}),
    }).catch((error: unknown) => {
      if (error instanceof NatsBusError) {
        console.error(`error: ${error.message}`);
        Deno.exit(1);
      }
      throw error;
    })
  : undefined;

const server = await startServer({
  hostname: flags.host,
  ...(bus ? { bus, discovery: bus } : {}),
  ...(flags.publicUrl ? { publicUrl: flags.publicUrl } : {}),
  port: flags.port,
  webRoot: flags.webRoot,
  heartbeatTimeoutMs: flags.heartbeatTimeoutMs,
  webTransportPort: flags.webTransportPort,
  certificate: await certificateFromFlags(),
  webTransportPublicPort: flags.webTransportPublicPort,
  limits: flags.limits,
  database,
  recordingsDir: flags.recordingsDir,
  ...(flags.apiKey && flags.apiSecret
    ? { apiCredentials: { apiKey: flags.apiKey, apiSecret: flags.apiSecret } }
    : {}),
  requireToken: flags.requireToken,
  oidc: flags.oidc,
  sessionSecret: flags.sessionSecret,
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
    await database.close();
    Deno.exit(0);
  });
}
