/**
 * Tokens from outside the server: POST /api/tokens (guarded by the API key), `videocall token`, and the join
 * endpoint that gives a guest a stable identity in a cookie. docs/tokens.md.
 */
import { CloseCode } from "@videocall/protocol";
import { runCli as cli } from "../cli/cli.ts";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { startServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";
import { CREDENTIALS, join, refusedWith } from "./auth-fixtures.ts";

const KEY_ARGS = ["--api-key", CREDENTIALS.apiKey, "--api-secret", CREDENTIALS.apiSecret];

function mint(url: string, authorization: string | undefined, body: unknown): Promise<Response> {
  return fetch(`${url}/api/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });
}

Deno.test("POST /api/tokens mints a token the server admits; a wrong or missing key gets 401", async () => {
  const server = await startServer({ extraArgs: [...KEY_ARGS, "--require-token"] });
  try {
    const body = { meeting: "rest", identity: "user-7", name: "Ada Lovelace", role: "participant" };
    const good = await mint(server.url, `Bearer ${CREDENTIALS.apiKey}:${CREDENTIALS.apiSecret}`, body);
    assertEquals(good.status, 200);
    const minted = (await good.json()) as { token: string; identity: string; expiresAt: string };
    assertEquals(minted.identity, "user-7");
    assert(Date.parse(minted.expiresAt) > Date.now());
    const session = await join({
      url: server.url,
      transport: "websocket",
      meetingId: "rest",
      token: minted.token,
    });
    assertEquals(session.self.identity, "user-7");
    assertEquals(session.self.displayName, "Ada Lovelace", "a display name with a space, from the token");
    assertEquals(session.self.role, "host", "the first to join a new meeting");
    await session.leave();

    for (const authorization of [
      `Bearer ${CREDENTIALS.apiKey}:not-the-secret`,
      `Bearer someone-else:${CREDENTIALS.apiSecret}`,
      `Basic ${btoa(`${CREDENTIALS.apiKey}:${CREDENTIALS.apiSecret}`)}`,
      undefined,
    ]) {
      const refused = await mint(server.url, authorization, body);
      assertEquals(refused.status, 401, String(authorization));
      await refused.body?.cancel();
    }
    const bad = await mint(server.url, `Bearer ${CREDENTIALS.apiKey}:${CREDENTIALS.apiSecret}`, {
      ...body,
      grants: ["fly"],
    });
    assertEquals(bad.status, 400);
    await bad.body?.cancel();
  } finally {
    await server.stop();
  }
});

Deno.test("videocall token prints a token the server admits, with the role and grants asked for", async () => {
  const server = await startServer({ extraArgs: [...KEY_ARGS, "--require-token"] });
  try {
    // A meeting someone else created, so the role comes from the token alone.
    await (
      await join({
        url: server.url,
        transport: "websocket",
        meetingId: "cli",
        token: (
          await cli([
            "token",
            "--api-key",
            CREDENTIALS.apiKey,
            "--api-secret",
            CREDENTIALS.apiSecret,
            "--meeting",
            "cli",
            "--identity",
            "creator",
          ])
        ).stdout.trim(),
      })
    ).leave();
    const result = await cli([
      "token",
      "--api-key",
      CREDENTIALS.apiKey,
      "--api-secret",
      CREDENTIALS.apiSecret,
      "--meeting",
      "cli",
      "--identity",
      "bot-1",
      "--name",
      "Bot",
      "--role",
      "cohost",
      "--grants",
      "subscribe,chat",
      "--ttl",
      "120",
    ]);
    assertEquals(result.code, 0, result.stderr);
    const session = await join({
      url: server.url,
      transport: "webtransport",
      meetingId: "cli",
      token: result.stdout.trim(),
    });
    assertEquals(session.self.identity, "bot-1");
    assertEquals(session.self.role, "cohost");
    assertEquals(session.self.grants, 8 | 16 | 32, "subscribe + chat, and admin for a co-host");
    await session.leave();
    const wrongSecret = await cli([
      "token",
      "--api-key",
      CREDENTIALS.apiKey,
      "--api-secret",
      "a-different-secret-of-32-bytes-or-more",
      "--meeting",
      "cli",
      "--identity",
      "bot-2",
    ]);
    assertEquals(
      await refusedWith({
        url: server.url,
        transport: "websocket",
        meetingId: "cli",
        token: wrongSecret.stdout.trim(),
      }),
      CloseCode.tokenInvalid,
    );
  } finally {
    await server.stop();
  }
});

Deno.test("the join endpoint gives a guest one identity per cookie: a reload keeps it, two alices differ", async () => {
  const server = await startServer(); // zero configuration: open guest mode, the server's own secret
  try {
    const ask = (cookie?: string) =>
      fetch(`${server.url}/api/meetings/standup/join`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
        body: JSON.stringify({ displayName: "alice" }),
      });
    const first = await ask();
    assertEquals(first.status, 200);
    const setCookie = first.headers.get("set-cookie") ?? "";
    assert(/^vc_guest=[^;]+;/.test(setCookie), setCookie);
    assert(/HttpOnly/i.test(setCookie) && /SameSite=Lax/i.test(setCookie), setCookie);
    assert(!/Secure/i.test(setCookie), "not Secure over plain http");
    const cookie = setCookie.split(";")[0]!;
    const firstBody = (await first.json()) as { token: string; identity: string };
    assert(firstBody.identity.startsWith("guest:"));

    const reload = await ask(cookie);
    const reloadBody = (await reload.json()) as { token: string; identity: string };
    assertEquals(reloadBody.identity, firstBody.identity, "the same browser keeps its identity");
    assertEquals(reload.headers.get("set-cookie"), null);

    const other = (await (await ask()).json()) as { token: string; identity: string };
    assert(other.identity !== firstBody.identity, "another alice is another identity");

    const alice1 = await join({
      url: server.url,
      transport: "websocket",
      meetingId: "standup",
      token: firstBody.token,
    });
    const alice2 = await join({
      url: server.url,
      transport: "webtransport",
      meetingId: "standup",
      token: other.token,
    });
    await waitFor("alice 1 to see alice 2", () => alice1.participants.size === 1);
    const seen = [...alice1.participants.values()][0]!;
    assertEquals(seen.username, "alice");
    assertEquals(seen.identity, other.identity);
    assertEquals(seen.guest, true);
    assertEquals(alice1.self.role, "host");
    assertEquals(alice2.self.role, "participant");

    // Without an API key configured, the minting endpoint is off.
    const off = await mint(server.url, "Bearer x:y", { meeting: "standup", identity: "x" });
    assertEquals(off.status, 404);
    await off.body?.cancel();
    // And the zero-configuration quick start still admits a join without any token.
    const plain = await join({
      url: server.url,
      transport: "websocket",
      meetingId: "standup",
      username: "bob",
    });
    assertEquals(plain.self.guest, true);
    assert(plain.self.identity.startsWith("guest:"));
    for (const session of [plain, alice2, alice1]) await session.leave();
  } finally {
    await server.stop();
  }
});
