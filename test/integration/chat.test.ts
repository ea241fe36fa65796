import { ChatError, joinMeeting, type MeetingSession } from "@videocall/client";
import {
  CHAT_BURST_MESSAGES,
  ChatRefusal,
  encodePacket,
  MAX_CHAT_TEXT_CHARS,
} from "../../packages/protocol/src/mod.ts";
import type { RunningServer } from "../../packages/server/src/server.ts";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { openTestMeetingDatabase, startControlServer } from "../fixtures/control-server.ts";
import { openRawClient } from "../fixtures/raw-client.ts";
import { delay, waitFor } from "../fixtures/wait.ts";

const until = (condition: () => boolean, timeoutMs: number, what: string) =>
  waitFor(what, condition, timeoutMs);

const texts = (session: MeetingSession) => session.chatMessages.map((m) => m.text);

Deno.test({
  name: "chat: public and private delivery, privacy, history for late joiners and after a restart, rate limit, length cap, resend",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const db = await openTestMeetingDatabase();
    let server: RunningServer = await startControlServer(db.directory);
    const sessions: MeetingSession[] = [];
    const join = async (username: string, meetingId = "chat1") => {
      const session = await joinMeeting({
        serverUrl: server.url,
        username,
        meetingId,
        transport: "websocket",
        connectTimeoutMs: 30_000,
      });
      sessions.push(session);
      return session;
    };
    try {
      const alice = await join("alice");
      const bob = await join("bob");
      const carol = await join("carol");

      await t.step("a public message reaches everyone, the sender as its receipt", async () => {
        const sent = await alice.sendChat("hello all");
        assert(sent.sequence > 0n && sent.mine && sent.to === undefined);
        assertEquals(sent.from.identity, "guest:alice");
        for (const session of [bob, carol]) {
          await until(() => texts(session).includes("hello all"), 30_000, "public message");
        }
        const atBob = bob.chatMessages.find((m) => m.text === "hello all");
        assertEquals(atBob?.from.name, "alice");
        assertEquals(atBob?.mine, false);
      });

      await t.step("a private message reaches its recipient and no third party", async () => {
        const sent = await alice.sendChat("psst bob", { toSessionId: bob.sessionId });
        assertEquals(sent.to?.identity, "guest:bob");
        await until(() => texts(bob).includes("psst bob"), 30_000, "private message at bob");
        // A public message after it: once carol has that, she would have had the private one too.
        await bob.sendChat("after the secret");
        await until(() => texts(carol).includes("after the secret"), 30_000, "carol's next message");
        assert(!texts(carol).includes("psst bob"), "carol got a private message");
      });

      await t.step("a late joiner sees the public history, not others' private messages", async () => {
        const dave = await join("dave");
        await until(() => texts(dave).includes("after the secret"), 30_000, "dave's history");
        assertEquals(texts(dave), ["hello all", "after the secret"]);
      });

      await t.step(
        "after leaving and coming back, a participant sees its private messages again",
        async () => {
          await bob.leave();
          const bobAgain = await join("bob");
          await until(() => texts(bobAgain).includes("after the secret"), 30_000, "bob's history");
          assertEquals(texts(bobAgain), ["hello all", "psst bob", "after the secret"]);
          assert(
            bobAgain.chatMessages.find((m) => m.text === "after the secret")?.mine,
            "own message is mine",
          );
        },
      );

      await t.step("a message to nobody here, too long or empty is refused with a reason", async () => {
        const refusal = async (promise: Promise<unknown>) => {
          try {
            await promise;
          } catch (error) {
            assert(error instanceof ChatError, String(error));
            return error.reason;
          }
          throw new Error("not refused");
        };
        assertEquals(await refusal(alice.sendChat("x", { toSessionId: 12345 })), "no-such-recipient");
        assertEquals(await refusal(alice.sendChat("x".repeat(MAX_CHAT_TEXT_CHARS + 1))), "too-long");
        assertEquals(await refusal(alice.sendChat("   ")), "invalid");
        // Exactly at the cap is fine.
        const long = await alice.sendChat("y".repeat(MAX_CHAT_TEXT_CHARS));
        assertEquals(long.text.length, MAX_CHAT_TEXT_CHARS);
      });

      await t.step(
        "the history survives a server restart on the same database (a reload keeps it)",
        async () => {
          for (const session of sessions) if (!session.isClosed) await session.leave();
          await server.shutdown();
          server = await startControlServer(db.directory);
          const erin = await join("erin");
          await until(() => texts(erin).includes("after the secret"), 30_000, "erin's history");
          assertEquals(texts(erin).slice(0, 2), ["hello all", "after the secret"]);
          assert(!texts(erin).includes("psst bob"));
        },
      );

      await t.step(
        "over the burst, messages are refused as rate-limited and the connection stays",
        async () => {
          const raw = await openRawClient("websocket", server.url, "flood", "chat2");
          try {
            await until(() => raw.received.some((p) => p.body.case === "welcome"), 30_000, "welcome");
            for (let i = 0; i < CHAT_BURST_MESSAGES + 5; i++) {
              raw.send(
                encodePacket({
                  body: { case: "chatSend", value: { clientMessageId: `m${i}`, text: `n${i}` } },
                }),
              );
            }
            await until(
              () =>
                raw.received.filter((p) => p.body.case === "chatMessage").length >= CHAT_BURST_MESSAGES + 5,
              30_000,
              "an answer to every send",
            );
            const answers = raw.received.flatMap((p) =>
              p.body.case === "chatMessage" ? [p.body.value] : [],
            );
            const refused = answers.filter((m) => m.refusal === ChatRefusal.RATE_LIMITED);
            const stored = answers.filter((m) => m.refusal === ChatRefusal.UNSPECIFIED);
            assertEquals(stored.length, CHAT_BURST_MESSAGES);
            assertEquals(refused.length, 5);
            assert(!raw.isClosed(), "rate-limited sender was closed");

            // A resend of a stored client id stores nothing new: the same sequence comes back.
            await delay(1200); // one token back
            raw.send(
              encodePacket({ body: { case: "chatSend", value: { clientMessageId: "m0", text: "n0" } } }),
            );
            await until(
              () =>
                raw.received.filter((p) => p.body.case === "chatMessage").length >= CHAT_BURST_MESSAGES + 6,
              30_000,
              "the resend's receipt",
            );
            const last = raw.received.at(-1);
            assert(last?.body.case === "chatMessage");
            assertEquals(last.body.value.sequence, stored[0]?.sequence);
            const history = await join("historian", "chat2");
            await until(() => history.chatMessages.length >= CHAT_BURST_MESSAGES, 30_000, "history");
            assertEquals(history.chatMessages.length, CHAT_BURST_MESSAGES);
          } finally {
            raw.close();
          }
        },
      );

      await t.step("a ChatSend that does not decode is refused, and the sender stays", async () => {
        const raw = await openRawClient("websocket", server.url, "garbler", "chat3");
        try {
          await until(() => raw.received.some((p) => p.body.case === "welcome"), 30_000, "welcome");
          // Body 22 (length-delimited) holding field 2 with invalid UTF-8.
          raw.send(new Uint8Array([0xb2, 0x01, 0x03, 0x12, 0x01, 0xff]));
          await until(() => raw.received.some((p) => p.body.case === "chatMessage"), 30_000, "refusal");
          const answer = raw.received.find((p) => p.body.case === "chatMessage");
          assert(answer?.body.case === "chatMessage");
          assertEquals(answer.body.value.refusal, ChatRefusal.INVALID);
          raw.send(encodePacket({ body: { case: "ping", value: { nonce: 3 } } }));
          await until(() => raw.received.some((p) => p.body.case === "pong"), 30_000, "still answered");
          assert(!raw.isClosed());
        } finally {
          raw.close();
        }
      });
    } finally {
      for (const session of sessions) if (!session.isClosed) await session.leave().catch(() => {});
      await server.shutdown();
      await db.close();
    }
  },
});

Deno.test({
  name: "chat in an E2EE meeting: sealed with the media keys, the database holds only ciphertext, a wrong passphrase reads nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await openTestMeetingDatabase();
    const server = await startControlServer(db.directory);
    const sessions: MeetingSession[] = [];
    const join = async (username: string, passphrase: string) => {
      const session = await joinMeeting({
        serverUrl: server.url,
        username,
        meetingId: "chat-e2ee",
        transport: "websocket",
        connectTimeoutMs: 30_000,
        e2ee: { mode: "passphrase", passphrase, iterations: 1000 },
      });
      sessions.push(session);
      return session;
    };
    try {
      const alice = await join("alice", "correct horse");
      const bob = await join("bob", "correct horse");
      const mallory = await join("mallory", "guess");
      // Keys travel after the joins: wait until alice holds bob's and bob holds alice's.
      await until(
        () =>
          alice.e2ee?.peer(bob.sessionId)?.hasKey === true &&
          bob.e2ee?.peer(alice.sessionId)?.hasKey === true,
        30_000,
        "the media keys",
      );
      const sent = await alice.sendChat("meet at the usual place");
      assert(sent.sealed && sent.readable, "alice's own receipt is sealed and readable");
      assertEquals(sent.text, "meet at the usual place");
      await until(() => texts(bob).includes("meet at the usual place"), 30_000, "bob reads it");
      assert(bob.chatMessages[0]?.sealed);
      await until(() => mallory.chatMessages.length === 1, 30_000, "mallory gets the message");
      assertEquals(mallory.chatMessages[0]?.readable, false, "a wrong passphrase opens nothing");
      assertEquals(mallory.chatMessages[0]?.text, "");
      const rows = await (await db.database.readyWithin(30_000)).query<{ text: string; sealed: string }>(
        `SELECT text, sealed_text AS sealed FROM chat_messages WHERE meeting_id = 'chat-e2ee'`,
      );
      assertEquals(rows.length, 1);
      assertEquals(rows[0]?.text, "", "the server stored no clear text");
      assert((rows[0]?.sealed.length ?? 0) > 20, "the server stored the ciphertext");
      assert(!atob(rows[0]?.sealed ?? "").includes("usual place"));
    } finally {
      for (const session of sessions) if (!session.isClosed) await session.leave().catch(() => {});
      await server.shutdown();
      await db.close();
    }
  },
});
