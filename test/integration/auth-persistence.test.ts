/**
 * A restart keeps meetings, hosts and bans: the embedded database in the same --data-dir, and the same
 * PostgreSQL. The server is a real process, stopped and started again.
 */
import { CloseCode } from "@videocall/protocol";
import { openDatabase } from "../../packages/server/src/db/open-database.ts";
import { MeetingDirectory } from "../../packages/server/src/meetings/meeting-directory.ts";
import { assertEquals } from "../fixtures/assert.ts";
import { freshDataDir, removeDataDir } from "../fixtures/pglite-data-dir.ts";
import { startPostgres } from "../fixtures/postgres.ts";
import { startServer } from "../fixtures/server.ts";
import { CREDENTIALS, join, refusedWith, token } from "./auth-fixtures.ts";

const KEY_ARGS = ["--api-key", CREDENTIALS.apiKey, "--api-secret", CREDENTIALS.apiSecret];
const meetingId = "kept";

/**
 * After the restart: the banned pest is refused, a newcomer is a participant, and the creator is host again.
 * `pest` and `host` say which transport each joins over (the two back ends' tests cover both ways round).
 */
async function assertKeptAfterRestart(
  url: string,
  transports: { pest: "websocket" | "webtransport"; host: "websocket" | "webtransport" },
): Promise<void> {
  const pestToken = await token({ identity: "pest", meetingId });
  assertEquals(
    await refusedWith({ url, transport: transports.pest, meetingId, token: pestToken }),
    CloseCode.banned,
  );
  const bystander = await join({
    url,
    transport: "websocket",
    meetingId,
    token: await token({ identity: "bystander", meetingId }),
  });
  assertEquals(bystander.self.role, "participant");
  const host = await join({
    url,
    transport: transports.host,
    meetingId,
    token: await token({ identity: "owner", meetingId }),
  });
  assertEquals(host.self.role, "host");
  await host.leave();
  await bystander.leave();
}

Deno.test("a restart with the same data directory keeps the meeting, its host and its bans (PGlite)", async () => {
  const dataDir = await freshDataDir();
  try {
    let server = await startServer({ dataDir, extraArgs: KEY_ARGS });
    try {
      const host = await join({
        url: server.url,
        transport: "websocket",
        meetingId,
        token: await token({ identity: "owner", meetingId }),
      });
      assertEquals(host.self.role, "host");
      await host.leave();
      await (
        await join({
          url: server.url,
          transport: "websocket",
          meetingId,
          token: await token({ identity: "pest", meetingId }),
        })
      ).leave();
    } finally {
      await server.stop();
    }
    // Between the runs, as a host command would while running: ban the pest (PGlite is one process's).
    const database = openDatabase({ backend: "pglite", dataDir });
    const meetings = new MeetingDirectory(database);
    assertEquals((await meetings.get(meetingId))?.hostIdentity, "owner");
    await meetings.ban(meetingId, "pest", "owner");
    await database.close();

    server = await startServer({ dataDir, extraArgs: KEY_ARGS });
    try {
      // The first to come back is not the host: the meeting remembers its creator.
      await assertKeptAfterRestart(server.url, { pest: "websocket", host: "webtransport" });
    } finally {
      await server.stop();
    }
    const reopened = openDatabase({ backend: "pglite", dataDir });
    const log = await (await reopened.ready).query<{ event: string; identity: string }>(
      "SELECT event, identity FROM meeting_log WHERE meeting_id = $1 ORDER BY id",
      [meetingId],
    );
    await reopened.close();
    assertEquals(
      log.filter((row) => row.identity === "owner").map((row) => row.event),
      ["joined", "left", "joined", "left"],
      "the meeting log has the host's joins and leaves",
    );
  } finally {
    await removeDataDir(dataDir);
  }
});

Deno.test("a restart against the same PostgreSQL keeps the meeting, its host and its bans", async () => {
  const postgres = await startPostgres();
  try {
    const url = await postgres.createDatabase();
    const args = ["--database-url", url, ...KEY_ARGS];
    const database = openDatabase({ backend: "postgres", url });
    const meetings = new MeetingDirectory(database);
    let server = await startServer({ extraArgs: args });
    try {
      const host = await join({
        url: server.url,
        transport: "websocket",
        meetingId,
        token: await token({ identity: "owner", meetingId }),
      });
      assertEquals(host.self.role, "host");
      await meetings.ban(meetingId, "pest", "owner"); // while it runs, through the shared database
      await host.leave();
    } finally {
      await server.stop();
    }
    server = await startServer({ extraArgs: args });
    try {
      await assertKeptAfterRestart(server.url, { pest: "webtransport", host: "websocket" });
    } finally {
      await server.stop();
      await database.close();
    }
  } finally {
    await postgres.stop();
  }
});
