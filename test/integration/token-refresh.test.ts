/**
 * A call outlives its room token: a reconnect after the token expired asks the app for a fresh one
 * (JoinOptions.refreshToken) instead of being refused as expired (4023, fatal) and leaving the call.
 */
import { joinMeeting } from "@videocall/client";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { freshDataDir, removeDataDir } from "../fixtures/pglite-data-dir.ts";
import { startServer } from "../fixtures/server.ts";
import { delay, waitFor } from "../fixtures/wait.ts";
import { CREDENTIALS, token } from "./auth-fixtures.ts";

const KEY_ARGS = ["--api-key", CREDENTIALS.apiKey, "--api-secret", CREDENTIALS.apiSecret];
const meetingId = "long-call";
const TOKEN_TTL_SECONDS = 2;

Deno.test("a reconnect after the room token expired joins again with a fresh token from refreshToken", async () => {
  const dataDir = await freshDataDir();
  let server = await startServer({ dataDir, extraArgs: KEY_ARGS });
  const port = server.port;
  let refreshes = 0;
  const session = await joinMeeting({
    serverUrl: server.url,
    username: "marathon",
    meetingId,
    transport: "websocket",
    token: await token({ identity: "marathon", meetingId, ttlSeconds: TOKEN_TTL_SECONDS }),
    refreshToken: () => {
      refreshes++;
      return token({ identity: "marathon", meetingId, ttlSeconds: 600 });
    },
  });
  let reconnected = false;
  let closedWith: number | undefined;
  session.events.on("reconnected", () => {
    reconnected = true;
  });
  session.events.on("closed", (info) => {
    closedWith = info.code;
  });
  try {
    assertEquals(session.identity, "marathon");
    await server.stop();
    // Down for longer than the first token lives, so the old token is expired at the reconnect.
    await delay((TOKEN_TTL_SECONDS + 1) * 1000);
    server = await startServer({ dataDir, port, extraArgs: KEY_ARGS });
    await waitFor("the session to reconnect", () => reconnected || closedWith !== undefined, 60_000);
    assertEquals(closedWith, undefined, "the session did not end (4023 is an expired token)");
    assert(reconnected);
    assert(refreshes >= 1, "the session asked for a fresh token");
    assertEquals(session.identity, "marathon", "the same person after the reconnect");
  } finally {
    await session.leave();
    await server.stop();
    await removeDataDir(dataDir);
  }
});
