import assert from "node:assert/strict";
import {
  type Database,
  hashPassword,
  openDatabase,
  repositoriesFor,
  verifyPassword,
} from "../../packages/server/src/db/mod.ts";
import { delay } from "../fixtures/wait.ts";
import { BACKENDS, rejectsWithReason, testOnEachBackend, timed } from "./backends.ts";

testOnEachBackend("a restart keeps meetings, hosts and bans", async (t, harness) => {
  if (harness.postgres !== undefined)
    console.log(`postgres: the fixture server started in ${harness.startMs} ms`);
  // The real first start of `npm start`: initdb included, no template.
  const config = await harness.emptyDatabase({ coldStart: true });
  const first = openDatabase(config);
  assert.equal(first.state().kind, "opening", "openDatabase returns before the database is ready");
  if (harness.backend === "pglite") {
    const error = await rejectsWithReason(first.readyWithin(1), "unavailable");
    assert.match(error.message, /still starting/);
  }
  const { result: db, ms: coldMs } = await timed(() => first.ready);
  console.log(`${harness.backend}: a new database opened and migrated in ${coldMs} ms`);
  const passwordHash = await hashPassword("hunter2");
  try {
    const repos = repositoriesFor(db);
    const host = await repos.users.upsertFromOidc({
      issuer: "https://id.example",
      subject: "h",
      displayName: "Host",
    });
    await repos.meetings.create({
      id: "standup",
      hostIdentity: host.id,
      hostUserId: host.id,
      settings: { waitingRoom: true, locked: true, guestsAllowed: false, e2eeRequired: true, passwordHash },
    });
    await repos.cohosts.add("standup", "bob", host.id);
    await repos.bans.add({ meetingId: "standup", identity: "troll", bannedBy: host.id, reason: "spam" });
    await repos.meetingLog.append({
      meetingId: "standup",
      identity: "troll",
      displayName: "T",
      event: "kicked",
    });
  } finally {
    await first.close();
  }

  const second = openDatabase(config);
  const { result: reopened, ms: reopenMs } = await timed(() => second.readyWithin(120_000));
  console.log(`${harness.backend}: the same database reopened in ${reopenMs} ms`);
  try {
    const state = second.state();
    assert.deepEqual(
      state.kind === "ready" && state.migrations.applied,
      [],
      "nothing to migrate the second time",
    );
    await expectStandupKept(reopened);
    if (config.backend === "pglite") {
      await t.step(
        "a second server on the same PGlite data directory is refused while one has it open",
        async () => {
          const error = await rejectsWithReason(openDatabase(config).ready, "unavailable");
          assert.match(error.message, /in use/);
        },
      );
    }
    assert.ok(
      await verifyPassword(
        "hunter2",
        (await repositoriesFor(reopened).meetings.get("standup"))!.settings.passwordHash!,
      ),
    );

    const server = harness.postgres;
    if (server !== undefined) {
      await t.step(
        "a PostgreSQL server restart under an open pool: typed errors at worst, then it recovers",
        async () => {
          await server.restart();
          const deadline = Date.now() + 30_000;
          for (;;) {
            try {
              await expectStandupKept(reopened);
              break;
            } catch (error) {
              await rejectsWithReason(Promise.reject(error), "unavailable");
              if (Date.now() > deadline) throw error;
              await delay(100);
            }
          }
        },
      );
    }
  } finally {
    await second.close();
  }
});

async function expectStandupKept(db: Database): Promise<void> {
  const repos = repositoriesFor(db);
  const meeting = await repos.meetings.get("standup");
  assert.ok(meeting, "the meeting survived");
  assert.deepEqual(
    { ...meeting.settings, passwordHash: meeting.settings.passwordHash !== null },
    { waitingRoom: true, locked: true, guestsAllowed: false, e2eeRequired: true, passwordHash: true },
  );
  assert.equal(await repos.cohosts.roleOf("standup", meeting.hostIdentity), "host");
  assert.equal(await repos.cohosts.roleOf("standup", "bob"), "cohost");
  assert.equal((await repos.bans.activeBan("standup", "troll"))?.reason, "spam");
  assert.deepEqual(
    (await repos.meetingLog.list("standup")).map((entry) => entry.event),
    ["kicked"],
  );
}

for (const backend of BACKENDS) {
  Deno.test(`a database that cannot open fails as a typed error, not a crash (${backend})`, async () => {
    const config =
      backend === "postgres"
        ? // Nothing listens on port 1.
          { backend, url: "postgres://postgres@127.0.0.1:1/none", connectTimeoutSeconds: 1 }
        : // A data directory that is a file.
          { backend, dataDir: await Deno.makeTempFile() };
    const opening = openDatabase(config);
    const error = await rejectsWithReason(opening.ready, "unavailable");
    const state = opening.state();
    assert.equal(state.kind, "failed");
    assert.equal(state.kind === "failed" && state.error, error);
    await opening.close();
    if (config.backend === "pglite") await Deno.remove(config.dataDir);
  });
}
