import assert from "node:assert/strict";
import { openDatabase } from "../../packages/server/src/db/mod.ts";
import { MeetingDirectory } from "../../packages/server/src/meetings/meeting-directory.ts";
import { testOnEachBackend } from "./backends.ts";

testOnEachBackend("meeting directory", async (t, harness) => {
  const opening = openDatabase(await harness.emptyDatabase());
  const directory = new MeetingDirectory(opening);
  try {
    await t.step("the first joiner of a new meeting id is its host; the next is a participant", async () => {
      const first = await directory.factsForJoin("standup", "guest:a");
      assert.equal(first.created, true);
      assert.equal(first.role, "host");
      assert.equal(first.meeting.hostIdentity, "guest:a");
      const second = await directory.factsForJoin("standup", "guest:b");
      assert.equal(second.created, false);
      assert.equal(second.role, "participant");
      await directory.promote("standup", "guest:b", "guest:a");
      assert.equal((await directory.factsForJoin("standup", "guest:b")).role, "cohost");
    });
    await t.step("roleOf and settingsOf read what host controls need", async () => {
      assert.equal(await directory.roleOf("standup", "guest:a"), "host");
      assert.equal(await directory.roleOf("standup", "guest:b"), "cohost");
      assert.equal(await directory.roleOf("standup", "guest:z"), "participant");
      assert.equal((await directory.settingsOf("standup"))?.guestsAllowed, true);
      assert.equal(await directory.settingsOf("nobody-used-this"), undefined);
    });
    await t.step("two first joins at once make exactly one host", async () => {
      const [x, y] = await Promise.all([
        directory.factsForJoin("race", "guest:x"),
        directory.factsForJoin("race", "guest:y"),
      ]);
      assert.deepEqual([x.role, y.role].sort(), ["host", "participant"]);
    });
    await t.step("a password is stored hashed and checked", async () => {
      const meeting = await directory.updateSettings("standup", { password: "open sesame", locked: true });
      assert.ok(meeting);
      assert.ok(meeting.settings.passwordHash && !meeting.settings.passwordHash.includes("open sesame"));
      assert.equal(meeting.settings.locked, true);
      assert.equal(await directory.passwordMatches(meeting, "open sesame"), true);
      assert.equal(await directory.passwordMatches(meeting, "open sesam"), false);
      assert.equal(await directory.passwordMatches(meeting, undefined), false);
    });
    await t.step("a ban shows in the joiner's facts until lifted", async () => {
      await directory.ban("standup", "guest:c", "guest:a", { reason: "spam" });
      assert.equal((await directory.factsForJoin("standup", "guest:c")).ban?.reason, "spam");
      assert.equal(await directory.unban("standup", "guest:c"), true);
      assert.equal((await directory.factsForJoin("standup", "guest:c")).ban, undefined);
    });
  } finally {
    await opening.close();
  }
});
