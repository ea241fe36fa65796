import { ok as assert, deepStrictEqual as assertEquals } from "node:assert/strict";
import { generateMediaKey } from "./media-key.ts";
import { PASSPHRASE_PBKDF2_ITERATIONS, PassphraseKeys } from "./passphrase.ts";

const FAST = 1_000; // the default (600 000) is exercised once below; the others only need the logic

Deno.test("the same passphrase and meeting open a sender's announced key; another passphrase or meeting does not", async () => {
  const [alice, bob, wrongPassphrase, otherMeeting] = await Promise.all([
    PassphraseKeys.derive("correct horse battery staple", "standup", FAST),
    PassphraseKeys.derive("correct horse battery staple", "standup", FAST),
    PassphraseKeys.derive("correct horse battery stable", "standup", FAST),
    PassphraseKeys.derive("correct horse battery staple", "retro", FAST),
  ]);
  const mediaKey = generateMediaKey(3);
  const announcement = await alice.announce(42, mediaKey);
  const opened = await bob.open(42, announcement);
  assert(opened.ok);
  assertEquals(opened.mediaKey, mediaKey);
  assertEquals(await wrongPassphrase.open(42, announcement), { ok: false, reason: "authentication-failed" });
  assertEquals(await otherMeeting.open(42, announcement), { ok: false, reason: "authentication-failed" });
  // The relay stamps who sent it; an announcement for sender 42 arriving from 43 is refused.
  assertEquals(await bob.open(43, announcement), { ok: false, reason: "wrong-channel" });
});

Deno.test(`the passphrase is stretched with PBKDF2-SHA256 at ${PASSPHRASE_PBKDF2_ITERATIONS} iterations by default`, async () => {
  assertEquals(PASSPHRASE_PBKDF2_ITERATIONS, 600_000);
  const [slow, fast] = await Promise.all([
    PassphraseKeys.derive("pass", "meeting"),
    PassphraseKeys.derive("pass", "meeting", FAST),
  ]);
  const announcement = await slow.announce(1, generateMediaKey(0));
  assert((await slow.open(1, announcement)).ok);
  assertEquals(await fast.open(1, announcement), { ok: false, reason: "authentication-failed" });
});
