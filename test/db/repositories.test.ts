import assert from "node:assert/strict";
import {
  type Database,
  hashPassword,
  openDatabase,
  repositoriesFor,
  TEXT_LIMITS,
  verifyPassword,
} from "../../packages/server/src/db/mod.ts";
import { rejectsWithReason, testOnEachBackend } from "./backends.ts";

let meetingCounter = 0;
/** Each step works in meetings of its own, so the steps share one database (one PGlite cold start). */
function newMeetingId(): string {
  return `m-${Date.now().toString(36)}-${++meetingCounter}`;
}

testOnEachBackend("repositories", async (t, harness) => {
  const opening = openDatabase(await harness.emptyDatabase());
  const db: Database = await opening.ready;
  const repos = repositoriesFor(db);
  try {
    await t.step(
      "a first OIDC sign-in creates the user, a later one refreshes the display name",
      async () => {
        const first = await repos.users.upsertFromOidc({
          issuer: "https://id.example",
          subject: "sub-1",
          displayName: "Alice",
        });
        assert.match(first.id, /^[0-9a-f-]{36}$/);
        const again = await repos.users.upsertFromOidc({
          issuer: "https://id.example",
          subject: "sub-1",
          displayName: "Alice B.",
        });
        assert.equal(again.id, first.id);
        assert.equal(again.displayName, "Alice B.");
        assert.ok(again.lastSignInAt.getTime() >= first.lastSignInAt.getTime());
        assert.equal(again.createdAt.getTime(), first.createdAt.getTime());
        const other = await repos.users.upsertFromOidc({
          issuer: "https://other.example",
          subject: "sub-1",
          displayName: "Alice",
        });
        assert.notEqual(other.id, first.id, "the same subject at another issuer is another person");
        assert.deepEqual(await repos.users.get(first.id), again);
        assert.deepEqual(await repos.users.findByOidc("https://id.example", "sub-1"), again);
        assert.equal(await repos.users.get("not-a-uuid"), undefined);
        assert.equal(await repos.users.get(crypto.randomUUID()), undefined);
      },
    );

    await t.step("simultaneous sign-ins of one person make one user", async () => {
      const users = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          repos.users.upsertFromOidc({
            issuer: "https://id.example",
            subject: "racer",
            displayName: `R${i}`,
          }),
        ),
      );
      assert.equal(new Set(users.map((user) => user.id)).size, 1);
      const rows = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM users WHERE oidc_subject = $1",
        ["racer"],
      );
      assert.equal(rows[0]!.n, 1);
    });

    await t.step(
      "a meeting is created with defaults, read back, and its settings change one by one",
      async () => {
        const host = await repos.users.upsertFromOidc({
          issuer: "https://id.example",
          subject: "host-1",
          displayName: "Host",
        });
        const id = newMeetingId();
        const created = await repos.meetings.create({ id, hostIdentity: host.id, hostUserId: host.id });
        assert.deepEqual(created.settings, {
          guestsAllowed: true,
          waitingRoom: false,
          passwordHash: null,
          locked: false,
          e2eeRequired: false,
        });
        assert.equal(created.hostUserId, host.id);
        assert.equal(created.endedAt, null);
        assert.deepEqual(await repos.meetings.get(id), created);

        const locked = await repos.meetings.updateSettings(id, { locked: true, waitingRoom: true });
        assert.deepEqual(locked?.settings, { ...created.settings, locked: true, waitingRoom: true });
        const passwordHash = await hashPassword("open sesame");
        const withPassword = await repos.meetings.updateSettings(id, { passwordHash, guestsAllowed: false });
        assert.equal(withPassword?.settings.locked, true, "unmentioned settings keep their value");
        assert.equal(withPassword?.settings.guestsAllowed, false);
        assert.ok(
          await verifyPassword("open sesame", (await repos.meetings.get(id))!.settings.passwordHash!),
        );
        const cleared = await repos.meetings.updateSettings(id, { passwordHash: null, e2eeRequired: true });
        assert.equal(cleared?.settings.passwordHash, null);
        assert.equal(cleared?.settings.e2eeRequired, true);
        assert.equal(await repos.meetings.updateSettings(newMeetingId(), { locked: true }), undefined);

        const ended = await repos.meetings.end(id, new Date("2030-01-01T00:00:00Z"));
        assert.equal(ended?.endedAt?.toISOString(), "2030-01-01T00:00:00.000Z");
        const endedAgain = await repos.meetings.end(id, new Date("2031-01-01T00:00:00Z"));
        assert.equal(
          endedAgain?.endedAt?.toISOString(),
          "2030-01-01T00:00:00.000Z",
          "the first end time stays",
        );

        const guestHosted = await repos.meetings.create({
          id: newMeetingId(),
          hostIdentity: "guest-7f3a",
          settings: { waitingRoom: true },
        });
        assert.equal(guestHosted.hostUserId, null);
        assert.equal(guestHosted.settings.waitingRoom, true);
      },
    );

    await t.step(
      "a taken meeting id is a typed unique violation and the database goes on working",
      async () => {
        const id = newMeetingId();
        await repos.meetings.create({ id, hostIdentity: "first" });
        const error = await rejectsWithReason(
          repos.meetings.create({ id, hostIdentity: "second" }),
          "unique_violation",
        );
        assert.equal(error.sqlState, "23505");
        assert.equal(error.constraint, "meetings_pkey");
        assert.equal((await repos.meetings.get(id))?.hostIdentity, "first");
      },
    );

    await t.step("racing first joiners: createIfAbsent makes exactly one host", async () => {
      const id = newMeetingId();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          repos.meetings.createIfAbsent({ id, hostIdentity: `joiner-${i}` }),
        ),
      );
      assert.equal(results.filter((result) => result.created).length, 1);
      const winner = results.find((result) => result.created)!.meeting.hostIdentity;
      for (const result of results) assert.equal(result.meeting.hostIdentity, winner);
    });

    await t.step("co-hosts are promoted, listed, given their role and demoted", async () => {
      const id = newMeetingId();
      await repos.meetings.create({ id, hostIdentity: "host" });
      assert.equal(await repos.cohosts.add(id, "bob", "host"), true);
      assert.equal(await repos.cohosts.add(id, "bob", "host"), false, "promoting twice changes nothing");
      assert.equal(await repos.cohosts.add(id, "carol", "bob"), true);
      assert.deepEqual(
        (await repos.cohosts.list(id)).map((cohost) => [cohost.identity, cohost.grantedBy]).sort(),
        [
          ["bob", "host"],
          ["carol", "bob"],
        ],
      );
      assert.equal(await repos.cohosts.roleOf(id, "host"), "host");
      assert.equal(await repos.cohosts.roleOf(id, "bob"), "cohost");
      assert.equal(await repos.cohosts.roleOf(id, "mallory"), "participant");
      assert.equal(await repos.cohosts.roleOf(newMeetingId(), "host"), "participant");
      assert.equal(await repos.cohosts.remove(id, "bob"), true);
      assert.equal(await repos.cohosts.remove(id, "bob"), false);
      assert.equal(await repos.cohosts.roleOf(id, "bob"), "participant");
      await rejectsWithReason(repos.cohosts.add(newMeetingId(), "bob", "host"), "foreign_key_violation");
    });

    await t.step("bans: for good, until a time, replaced, lifted", async () => {
      const id = newMeetingId();
      await repos.meetings.create({ id, hostIdentity: "host" });
      const now = new Date("2030-06-01T12:00:00Z");
      await repos.bans.add({ meetingId: id, identity: "troll", bannedBy: "host", reason: "spam" });
      await repos.bans.add({
        meetingId: id,
        identity: "late",
        bannedBy: "host",
        until: new Date("2030-06-01T12:10:00Z"),
      });
      assert.equal(await repos.bans.isBanned(id, "troll", now), true);
      assert.equal((await repos.bans.activeBan(id, "troll", now))?.reason, "spam");
      assert.equal(await repos.bans.isBanned(id, "late", now), true);
      assert.equal(await repos.bans.isBanned(id, "late", new Date("2030-06-01T12:10:00Z")), false, "lapsed");
      assert.equal(await repos.bans.isBanned(id, "someone", now), false);
      assert.equal(await repos.bans.isBanned(newMeetingId(), "troll", now), false, "bans are per meeting");

      const replaced = await repos.bans.add({
        meetingId: id,
        identity: "troll",
        bannedBy: "cohost",
        until: new Date("2030-06-01T12:05:00Z"),
      });
      assert.equal(replaced.reason, null);
      assert.equal(replaced.bannedBy, "cohost");
      assert.equal(await repos.bans.isBanned(id, "troll", new Date("2030-06-01T12:06:00Z")), false);
      assert.equal((await repos.bans.list(id)).length, 2);
      assert.equal(await repos.bans.remove(id, "late"), true);
      assert.equal(await repos.bans.isBanned(id, "late", now), false);
      await rejectsWithReason(
        repos.bans.add({ meetingId: newMeetingId(), identity: "x", bannedBy: "host" }),
        "foreign_key_violation",
      );
      await rejectsWithReason(
        repos.bans.add({ meetingId: id, identity: "x", bannedBy: "host", until: new Date(Number.NaN) }),
        "invalid_input",
      );
    });

    await t.step(
      "admissionFacts reads the meeting, the joiner's role and a ban in force in one query",
      async () => {
        const id = newMeetingId();
        await repos.meetings.create({ id, hostIdentity: "host", settings: { locked: true } });
        await repos.cohosts.add(id, "bob", "host");
        const now = new Date("2030-06-01T12:00:00Z");
        await repos.bans.add({ meetingId: id, identity: "troll", bannedBy: "host", reason: "spam" });
        await repos.bans.add({
          meetingId: id,
          identity: "bob",
          bannedBy: "host",
          until: new Date("2030-01-01T00:00:00Z"),
        });
        const host = await repos.meetings.admissionFacts(id, "host", now);
        assert.deepEqual(host?.meeting, await repos.meetings.get(id));
        assert.equal(host?.meeting.settings.locked, true);
        assert.equal(host?.role, "host");
        assert.equal(host?.ban, undefined);
        const bob = await repos.meetings.admissionFacts(id, "bob", now);
        assert.equal(bob?.role, "cohost");
        assert.equal(bob?.ban, undefined, "his ban lapsed");
        assert.deepEqual((await repos.meetings.admissionFacts(id, "troll", now))?.ban, {
          reason: "spam",
          until: null,
        });
        assert.equal((await repos.meetings.admissionFacts(id, "troll", now))?.role, "participant");
        assert.equal(await repos.meetings.admissionFacts(newMeetingId(), "host", now), undefined);
      },
    );

    await t.step(
      "the meeting log lists events oldest first, the most recent page, and forgets old ones",
      async () => {
        const id = newMeetingId();
        await repos.meetings.create({ id, hostIdentity: "host" });
        const base = Date.parse("2020-01-01T10:00:00Z");
        const events = ["joined", "admitted", "joined", "kicked", "left", "denied"] as const;
        for (const [i, event] of events.entries()) {
          await repos.meetingLog.append({
            meetingId: id,
            identity: `p${i % 2}`,
            displayName: i % 2 ? "Bob" : "Alice",
            event,
            at: new Date(base + i * 1000),
          });
        }
        const all = await repos.meetingLog.list(id);
        assert.deepEqual(
          all.map((entry) => entry.event),
          [...events],
        );
        assert.equal(all[1]!.displayName, "Bob");
        assert.equal(all[5]!.at.toISOString(), "2020-01-01T10:00:05.000Z");
        assert.deepEqual(
          (await repos.meetingLog.list(id, 2)).map((entry) => entry.event),
          ["left", "denied"],
        );
        await repos.meetingLog.append({ meetingId: id, identity: "p9", displayName: "Now", event: "joined" });
        assert.equal((await repos.meetingLog.list(id)).at(-1)!.displayName, "Now", "no time means now");
        await rejectsWithReason(
          repos.meetingLog.append({
            meetingId: id,
            identity: "p",
            displayName: "P",
            event: "teleported" as "joined",
          }),
          "invalid_input",
        );
        await rejectsWithReason(
          repos.meetingLog.append({
            meetingId: newMeetingId(),
            identity: "p",
            displayName: "P",
            event: "joined",
          }),
          "foreign_key_violation",
        );
        assert.equal(await repos.meetingLog.deleteOlderThan(new Date(base + 3000)), 3);
        assert.equal((await repos.meetingLog.list(id)).length, 4);
      },
    );

    await t.step(
      "a transaction commits together or not at all, and hands back the caller's error",
      async () => {
        const kept = newMeetingId();
        await db.transaction(async (tx) => {
          const inTx = repositoriesFor(tx);
          await inTx.meetings.create({ id: kept, hostIdentity: "host" });
          await inTx.cohosts.add(kept, "bob", "host");
          await inTx.meetingLog.append({
            meetingId: kept,
            identity: "host",
            displayName: "H",
            event: "joined",
          });
        });
        assert.equal(await repos.cohosts.roleOf(kept, "bob"), "cohost");

        const dropped = newMeetingId();
        const mistake = new Error("the caller changed its mind");
        await assert.rejects(
          db.transaction(async (tx) => {
            await repositoriesFor(tx).meetings.create({ id: dropped, hostIdentity: "host" });
            throw mistake;
          }),
          (error) => error === mistake,
        );
        assert.equal(await repos.meetings.get(dropped), undefined, "rolled back");

        // A constraint failure mid-transaction rolls back what came before it.
        const alsoDropped = newMeetingId();
        await rejectsWithReason(
          db.transaction(async (tx) => {
            const inTx = repositoriesFor(tx);
            await inTx.meetings.create({ id: alsoDropped, hostIdentity: "host" });
            await inTx.meetings.create({ id: kept, hostIdentity: "host" });
          }),
          "unique_violation",
        );
        assert.equal(await repos.meetings.get(alsoDropped), undefined);
      },
    );

    await t.step("concurrent transactions each insert their rows and all of them land", async () => {
      const ids = Array.from({ length: 16 }, () => newMeetingId());
      const shared = newMeetingId();
      await repos.meetings.create({ id: shared, hostIdentity: "host" });
      await Promise.all(
        ids.map((id, i) =>
          db.transaction(async (tx) => {
            const inTx = repositoriesFor(tx);
            await inTx.meetings.create({ id, hostIdentity: `host-${i}` });
            await inTx.cohosts.add(id, `cohost-${i}`, `host-${i}`);
            await inTx.meetingLog.append({
              meetingId: shared,
              identity: `p${i}`,
              displayName: `P${i}`,
              event: "joined",
            });
          }),
        ),
      );
      for (const [i, id] of ids.entries())
        assert.equal(await repos.cohosts.roleOf(id, `cohost-${i}`), "cohost");
      assert.equal((await repos.meetingLog.list(shared)).length, ids.length);
    });

    await t.step("untrusted strings are stored exactly or refused with a typed error", async () => {
      const id = newMeetingId();
      const hostile = `Robert'); DROP TABLE meetings; -- \\ "quoted" $1 %s 🎉 مرحبا`;
      await repos.meetings.create({ id, hostIdentity: hostile });
      assert.equal((await repos.meetings.get(id))?.hostIdentity, hostile);
      await repos.meetingLog.append({
        meetingId: id,
        identity: hostile,
        displayName: hostile.slice(0, 60),
        event: "joined",
      });
      assert.equal((await repos.meetingLog.list(id))[0]!.displayName, hostile.slice(0, 60));
      await repos.bans.add({ meetingId: id, identity: "x", bannedBy: "host", reason: hostile });
      assert.equal((await repos.bans.activeBan(id, "x"))?.reason, hostile);

      const entry = { meetingId: id, identity: "p", displayName: "P", event: "joined" } as const;
      await rejectsWithReason(
        repos.meetingLog.append({ ...entry, displayName: "nul\u0000byte" }),
        "invalid_input",
      );
      await rejectsWithReason(
        repos.meetingLog.append({ ...entry, displayName: "x".repeat(10_240) }),
        "invalid_input",
      );
      await rejectsWithReason(repos.meetingLog.append({ ...entry, displayName: "" }), "invalid_input");
      await rejectsWithReason(
        repos.meetingLog.append({ ...entry, displayName: "lone \ud800" }),
        "invalid_input",
      );
      await rejectsWithReason(repos.meetingLog.append({ ...entry, identity: "tab\there" }), "invalid_input");
      assert.equal(TEXT_LIMITS.displayName, 128);
      await repos.meetingLog.append({ ...entry, displayName: "é".repeat(TEXT_LIMITS.displayName) });
      await rejectsWithReason(
        repos.users.upsertFromOidc({
          issuer: "https://id.example",
          subject: "s".repeat(10_240),
          displayName: "A",
        }),
        "invalid_input",
      );
      await rejectsWithReason(
        repos.meetings.create({ id: "../etc/passwd", hostIdentity: "h" }),
        "invalid_input",
      );
      await rejectsWithReason(repos.meetings.get("a".repeat(10_240)), "invalid_input");

      // Past the repositories, the server itself refuses them, still as typed errors.
      const nul = await rejectsWithReason(
        db.query("SELECT $1::text AS value", ["a\u0000b"]),
        "invalid_value",
      );
      assert.equal(nul.sqlState, "22021");
      const long = await rejectsWithReason(
        db.query(
          "INSERT INTO meeting_log (meeting_id, identity, display_name, event) VALUES ($1, 'p', $2, 'joined')",
          [id, "x".repeat(10_240)],
        ),
        "check_violation",
      );
      assert.equal(long.sqlState, "23514");
      await rejectsWithReason(db.query("SELECT $1::int AS n", ["not a number"]), "invalid_value");
      await rejectsWithReason(db.query("SELEC nonsense"), "query_failed");
      assert.equal(
        (await db.query<{ n: number }>("SELECT 1::int AS n"))[0]!.n,
        1,
        "and the database still works",
      );
    });
  } finally {
    await opening.close();
  }
  await t.step("a closed database refuses calls with reason closed", async () => {
    await rejectsWithReason(db.query("SELECT 1"), "closed");
    await rejectsWithReason(
      db.transaction(async () => {}),
      "closed",
    );
  });
});
