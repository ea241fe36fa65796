/**
 * Shared by the auth tests: a server requiring room tokens plus a MeetingDirectory on the same database, so
 * a test can ban, lock or set a password as CONTROL's host commands will. PGlite is one process's database,
 * so that server runs in this process; PostgreSQL is shared, so that server is its own process.
 */
import {
  ConnectionError,
  type E2eeOptions,
  joinMeeting,
  type MeetingSession,
  type TransportPreference,
} from "@videocall/client";
import { PARTICIPANT_GRANTS } from "@videocall/protocol";
import {
  type ApiCredentials,
  mintRoomToken,
  type RoomTokenRequest,
} from "../../packages/server/src/auth/room-token.ts";
import type { DatabaseBackend } from "../../packages/server/src/db/database.ts";
import { type OpeningDatabase, openDatabase } from "../../packages/server/src/db/open-database.ts";
import { MeetingDirectory } from "../../packages/server/src/meetings/meeting-directory.ts";
import { startServer as startServerInProcess } from "../../packages/server/src/server.ts";
import { freshDataDir, removeDataDir } from "../fixtures/pglite-data-dir.ts";
import { type PostgresServer, startPostgres } from "../fixtures/postgres.ts";
import { startServer } from "../fixtures/server.ts";

export const CREDENTIALS: ApiCredentials = {
  apiKey: "auth-test-key",
  apiSecret: "auth-test-secret-of-at-least-32-bytes",
};

export interface AuthSetup {
  readonly url: string;
  /** The same meetings the server admits from (its database, or the same PostgreSQL). */
  readonly meetings: MeetingDirectory;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

export async function startAuthSetup(
  backend: DatabaseBackend,
  options: { requireToken?: boolean } = {},
): Promise<AuthSetup> {
  const requireToken = options.requireToken ?? true;
  if (backend === "pglite") {
    const dataDir = await freshDataDir();
    const database = openDatabase({ backend: "pglite", dataDir });
    await database.ready;
    const server = await startServerInProcess({
      hostname: "127.0.0.1",
      port: 0,
      webRoot: "/nonexistent",
      heartbeatTimeoutMs: 15_000,
      database,
      apiCredentials: CREDENTIALS,
      requireToken,
    });
    return {
      url: server.url,
      meetings: server.meetings,
      metrics: async () => (await fetch(`${server.url}/metrics`)).text(),
      async stop() {
        await server.shutdown();
        await database.close();
        await removeDataDir(dataDir);
      },
    };
  }
  const postgres: PostgresServer = await startPostgres();
  let database: OpeningDatabase | undefined;
  try {
    const url = await postgres.createDatabase();
    const server = await startServer({
      extraArgs: [
        "--database-url",
        url,
        "--api-key",
        CREDENTIALS.apiKey,
        "--api-secret",
        CREDENTIALS.apiSecret,
        ...(requireToken ? ["--require-token"] : []),
      ],
    });
    database = openDatabase({ backend: "postgres", url });
    await database.ready;
    const opened = database;
    return {
      url: server.url,
      meetings: new MeetingDirectory(opened),
      metrics: () => server.metrics(),
      async stop() {
        await server.stop();
        await opened.close();
        await postgres.stop();
      },
    };
  } catch (error) {
    await database?.close();
    await postgres.stop();
    throw error;
  }
}

export function token(request: Partial<RoomTokenRequest> & { identity: string; meetingId: string }) {
  return mintRoomToken(CREDENTIALS, {
    displayName: request.identity,
    grants: PARTICIPANT_GRANTS,
    ttlSeconds: 600,
    ...request,
  });
}

export interface JoinAttempt {
  url: string;
  transport: TransportPreference;
  meetingId: string;
  token?: string;
  password?: string;
  username?: string;
  e2ee?: E2eeOptions;
}

export function join(attempt: JoinAttempt): Promise<MeetingSession> {
  return joinMeeting({
    serverUrl: attempt.url,
    username: attempt.username ?? "someone",
    meetingId: attempt.meetingId,
    transport: attempt.transport,
    reconnect: false,
    serverStartingWaitMs: 0,
    connectTimeoutMs: 20_000,
    ...(attempt.token ? { token: attempt.token } : {}),
    ...(attempt.password ? { password: attempt.password } : {}),
    ...(attempt.e2ee ? { e2ee: attempt.e2ee } : {}),
  });
}

/** The close code the server refused the join with; throws if it was admitted or failed otherwise. */
export async function refusedWith(attempt: JoinAttempt): Promise<number> {
  let session: MeetingSession;
  try {
    session = await join(attempt);
  } catch (error) {
    if (error instanceof ConnectionError && error.reason === "rejected" && error.closeCode !== undefined)
      return error.closeCode;
    throw error;
  }
  await session.leave();
  throw new Error(`expected a refusal, but ${attempt.transport} join to ${attempt.meetingId} was admitted`);
}
