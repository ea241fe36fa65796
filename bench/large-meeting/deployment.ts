/**
 * The relay processes of one large-meeting measurement: one node, or nats-server and two nodes
 * linked through it (as bench/relay starts them), with limits raised for one meeting of
 * thousands from one loopback address; plus the /proc readings the benchmark reports.
 */
import { fileURLToPath } from "node:url";
import { BenchChild } from "../relay/child-process.ts";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The Debian package's binary, as in test/fixtures/nats.ts; override with NATS_SERVER_BIN. */
const NATS_SERVER = Deno.env.get("NATS_SERVER_BIN") ?? "/usr/sbin/nats-server";
/** Generous: on a shared 2-core machine a relay's start has taken over 20 s. */
const SERVER_START_TIMEOUT_MS = 90_000;
/** A new in-memory PGlite runs initdb: seconds, more on a busy machine. */
const DATABASE_READY_TIMEOUT_MS = 90_000;

export type Topology = "single" | "two-nodes";

export interface Deployment {
  readonly urls: string[];
  readonly relays: BenchChild[];
  readonly nats: BenchChild | undefined;
}

export interface RelayFlags {
  /** Extra server flags (e.g. `--no-webtransport`). */
  extra?: string[];
  /** Default `memory://`: a throwaway PGlite per process (its WebAssembly memory counts in the relay's RSS). */
  databaseUrl?: string;
}

/** V8 flags for the relays only, e.g. `RELAY_V8_FLAGS=--prof` for a profile of the relay under the load. */
const RELAY_V8_FLAGS = Deno.env.get("RELAY_V8_FLAGS");

function relayArgs(flags: RelayFlags): string[] {
  return [
    "run",
    ...(RELAY_V8_FLAGS ? [`--v8-flags=${RELAY_V8_FLAGS}`] : []),
    "--config",
    "deno.json",
    "--unstable-net",
    "-A",
    "packages/server/src/main.ts",
    "--port",
    "0",
    "--host",
    "127.0.0.1",
    // Bots answer pings, but a 2-core machine at full load may answer late: the benchmark
    // measures forwarding, not liveness.
    "--heartbeat-timeout-ms",
    "600000",
    // Every bot connects from 127.0.0.1, many at once, into one meeting.
    "--max-connections-per-ip",
    "1000000",
    "--max-participants-per-meeting",
    "1000000",
    "--handshake-timeout-ms",
    "600000",
    // A PostgreSQL outside the process, or one throwaway PGlite per process (two relays in one
    // directory would contend for its lock).
    "--database-url",
    flags.databaseUrl ?? "memory://",
    ...(flags.extra ?? []),
  ];
}

/**
 * Starts the topology's processes, pushing each onto `started` as soon as it is spawned so that
 * the caller stops them all, even when a later one fails to start.
 */
export async function deploy(
  topology: Topology,
  started: BenchChild[],
  flags: RelayFlags = {},
): Promise<Deployment> {
  const spawn = (name: string, args: string[], command?: string) => {
    const child = new BenchChild(name, args, {
      cwd: ROOT,
      exitWithParent: false,
      ...(command ? { command } : {}),
    });
    started.push(child);
    return child;
  };
  const ready = async (relay: BenchChild) => {
    const { url } = await relay.waitFor("listening", SERVER_START_TIMEOUT_MS);
    await relay.waitFor("database-ready", DATABASE_READY_TIMEOUT_MS);
    return String(url);
  };
  if (topology === "single") {
    const relay = spawn("relay", relayArgs(flags));
    return { urls: [await ready(relay)], relays: [relay], nats: undefined };
  }
  // -p -1: a random free port, read back from the log, so no port is guessed.
  const nats = spawn("nats-server", ["-a", "127.0.0.1", "-p", "-1"], NATS_SERVER);
  const [, natsAddress] = await nats.waitForStderr(
    /Listening for client connections on (127\.0\.0\.1:\d+)/,
    SERVER_START_TIMEOUT_MS,
  );
  await nats.waitForStderr(/Server is ready/, SERVER_START_TIMEOUT_MS);
  const relays = [1, 2].map((n) =>
    spawn(`relay-${n}`, [
      ...relayArgs(flags),
      "--nats-url",
      `nats://${natsAddress}`,
      "--node-id",
      `relay-${n}`,
    ]),
  );
  const urls = await Promise.all(relays.map(ready));
  return { urls, relays, nats };
}

/** Resident set size of a process, in bytes, from /proc/<pid>/status. */
export function rssBytesOf(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
}
