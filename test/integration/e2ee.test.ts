/**
 * End-to-end encryption through a real relay process, with Deno participants running the same
 * SFrame transform module and key exchange the browser runs (issue 11): keys are exchanged through
 * the relay without it being able to read them, frames decrypt only at members, the relay forwards
 * ciphertext byte for byte, a leaver's keys decrypt nothing sent after it left, a joiner's nothing
 * sent before, and tampered or replayed frames are rejected and counted.
 */
import { e2ee, joinMeeting, type Media } from "@videocall/client";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { containsBytes, E2EE_VIDEO_TRACK, E2eeParticipant } from "../fixtures/e2ee-participant.ts";
import { startServer } from "../fixtures/server.ts";
import { delay, waitFor } from "../fixtures/wait.ts";

const EXCHANGE = { mode: "exchange" } as const;
const TIMEOUT_MS = 15_000;

/** Sends frames from every participant until each has decrypted `count` frames from every other. */
async function exchangeFrames(participants: E2eeParticipant[], count: number): Promise<void> {
  await waitFor(
    `every participant to decrypt ${count} frames from every other`,
    async () => {
      for (const p of participants) await p.sendFrame(true);
      await delay(20);
      return participants.every((receiver) =>
        participants.every(
          (sender) => sender === receiver || receiver.decrypted(sender.sessionId).length >= count,
        ),
      );
    },
    TIMEOUT_MS,
  );
}

Deno.test("three participants on both transports exchange keys through the relay and decrypt each other; the relay forwards ciphertext byte for byte", async () => {
  const server = await startServer();
  try {
    const alice = await E2eeParticipant.join(server.url, "alice", "e2ee-3", EXCHANGE, {
      transport: "websocket",
    });
    const bob = await E2eeParticipant.join(server.url, "bob", "e2ee-3", EXCHANGE, {
      transport: "webtransport",
    });
    const carol = await E2eeParticipant.join(server.url, "carol", "e2ee-3", EXCHANGE, {
      transport: "websocket",
    });
    // Eve is in the meeting without E2EE: she sees exactly what the relay forwards.
    const eve = await joinMeeting({ serverUrl: server.url, username: "eve", meetingId: "e2ee-3" });
    const seenByEve: Array<{ from: number; media: Media }> = [];
    eve.events.on("media", (from, media) =>
      seenByEve.push({ from, media: { ...media, payload: media.payload.slice() } }),
    );

    const everyone = [alice, bob, carol];
    await exchangeFrames(everyone, 5);

    for (const receiver of everyone) {
      for (const sender of everyone) {
        if (sender === receiver) continue;
        const plaintexts = new Set(sender.sent.map((s) => s.plaintext.join()));
        for (const frame of receiver.decrypted(sender.sessionId)) {
          assert(
            plaintexts.has(frame.join()),
            `${receiver.session.username} decrypted a frame ${sender.session.username} sent`,
          );
        }
      }
    }
    await waitFor("eve to capture frames", () => seenByEve.length >= 10);
    const ciphertexts = new Map<string, Uint8Array>();
    for (const p of everyone) for (const s of p.sent) ciphertexts.set(s.ciphertext.join(), s.plaintext);
    for (const { media } of seenByEve) {
      if (media.trackId !== E2EE_VIDEO_TRACK) continue;
      const plaintext = ciphertexts.get(media.payload.join());
      assert(
        plaintext !== undefined,
        "every payload the relay forwarded is a ciphertext a sender sent, byte for byte",
      );
      assert(!containsBytes(media.payload, plaintext.subarray(0, 32)), "no plaintext inside the ciphertext");
    }
    // The relay read no key: every key message went to its target only, and none of them reached eve.
    assertEquals(alice.e2ee.stats().keyMessagesRejected, 0);
    assert(alice.e2ee.peers().every((peer) => peer.hasKey && peer.identityPublicKey !== undefined));
    const numbers = await Promise.all([
      alice.e2ee.safetyNumber(bob.sessionId),
      bob.e2ee.safetyNumber(alice.sessionId),
    ]);
    assert(
      numbers[0] !== undefined && numbers[0].digits === numbers[1]?.digits,
      "alice and bob see the same safety number",
    );
    const aliceCarol = await alice.e2ee.safetyNumber(carol.sessionId);
    assert(aliceCarol?.digits !== numbers[0].digits, "another pair has another number");

    for (const p of everyone) {
      await p.leave();
      p.closeDecoders();
    }
    await eve.leave();
  } finally {
    await server.stop();
  }
});

Deno.test("after a participant leaves every remaining sender rotates, and the leaver's last keys decrypt none of the new frames", async () => {
  const server = await startServer();
  try {
    const alice = await E2eeParticipant.join(server.url, "alice", "e2ee-leave", EXCHANGE);
    const bob = await E2eeParticipant.join(server.url, "bob", "e2ee-leave", EXCHANGE);
    const carol = await E2eeParticipant.join(server.url, "carol", "e2ee-leave", EXCHANGE);
    await exchangeFrames([alice, bob, carol], 3);
    const epochs = [alice.e2ee.epoch, bob.e2ee.epoch];

    await carol.leave(); // carol's decoders keep the keys she held
    await waitFor(
      "alice and bob to rotate",
      () => alice.e2ee.stats().rotations >= 1 && bob.e2ee.stats().rotations >= 1,
      TIMEOUT_MS,
    );
    assert(alice.e2ee.epoch > epochs[0]! && bob.e2ee.epoch > epochs[1]!);
    const before = bob.received.length;
    await exchangeFrames([alice, bob], bob.decrypted(alice.sessionId).length + 8);
    // Frames under alice's new epoch: one encoded in the instant before her encoder got the new key
    // still carries the old epoch (the key reaches the transform by message), and is not "after".
    const newEpochByte = alice.e2ee.epoch & 0xff;
    const newFromAlice = bob.received.slice(before).filter((r) => {
      if (r.from !== alice.sessionId || !r.outcome.ok) return false;
      const header = e2ee.decodeSFrameHeader(r.media.payload);
      return header.ok && e2ee.parseKeyId(header.header.keyId)?.epochByte === newEpochByte;
    });
    assert(newFromAlice.length >= 5, `${newFromAlice.length} frames of alice's new epoch`);
    let decryptedByCarol = 0;
    for (const frame of newFromAlice) {
      const outcome = await carol.decode(alice.sessionId, frame.media);
      if (outcome.ok) decryptedByCarol++;
    }
    assertEquals(decryptedByCarol, 0, "the leaver decrypts none of alice's frames after the rotation");
    // Sanity: carol's decoder did decrypt alice's frames while she was a member.
    assert(carol.decrypted(alice.sessionId).length >= 3);
    carol.closeDecoders();
    for (const p of [alice, bob]) {
      await p.leave();
      p.closeDecoders();
    }
  } finally {
    await server.stop();
  }
});

Deno.test("a joiner gets the ratcheted key and cannot decrypt what was sent before it came", async () => {
  const server = await startServer();
  try {
    const alice = await E2eeParticipant.join(server.url, "alice", "e2ee-join", EXCHANGE);
    const bob = await E2eeParticipant.join(server.url, "bob", "e2ee-join", EXCHANGE);
    await exchangeFrames([alice, bob], 3);
    const earlier = bob.received
      .filter((r) => r.from === alice.sessionId && r.outcome.ok)
      .map((r) => r.media);
    const dave = await E2eeParticipant.join(server.url, "dave", "e2ee-join", EXCHANGE);
    await exchangeFrames([alice, bob, dave], 3);
    assert(alice.e2ee.stats().ratchets >= 1, "alice ratcheted for dave");
    // Bob followed alice's ratchet by himself: he kept decrypting without a new key message.
    let daveDecryptedEarlier = 0;
    for (const media of earlier) if ((await dave.decode(alice.sessionId, media)).ok) daveDecryptedEarlier++;
    assertEquals(daveDecryptedEarlier, 0, "dave decrypts none of alice's frames from before he joined");
    for (const p of [alice, bob, dave]) {
      await p.leave();
      p.closeDecoders();
    }
  } finally {
    await server.stop();
  }
});

Deno.test("a bit flipped in a forwarded frame is rejected, a replayed frame too, and both are counted", async () => {
  const server = await startServer();
  try {
    const alice = await E2eeParticipant.join(server.url, "alice", "e2ee-tamper", EXCHANGE);
    const bob = await E2eeParticipant.join(server.url, "bob", "e2ee-tamper", EXCHANGE);
    await exchangeFrames([alice, bob], 2);
    // A frame alice encrypted but did not send: bob's decoder has not seen its counter yet.
    const fresh = await alice.sendFrame(false, { send: false });
    assert(fresh);
    const media: Media = {
      ...bob.received.find((r) => r.from === alice.sessionId)!.media,
      keyframe: false,
      captureTimeUs: BigInt(fresh.captureTimeUs),
      payload: fresh.ciphertext,
    };
    const flipped = fresh.ciphertext.slice();
    flipped[flipped.length - 20]! ^= 0x04;
    const tampered = await bob.decode(alice.sessionId, { ...media, payload: flipped });
    assertEquals(tampered, { ok: false, reason: "authentication-failed" });
    const keyframeFlipped = await bob.decode(alice.sessionId, { ...media, keyframe: true });
    assertEquals(
      keyframeFlipped,
      { ok: false, reason: "authentication-failed" },
      "the routing metadata is authenticated",
    );
    const genuine = await bob.decode(alice.sessionId, media);
    assert(
      genuine.ok && genuine.plaintext.join() === fresh.plaintext.join(),
      "the untouched frame still decrypts",
    );
    const replayed = await bob.decode(alice.sessionId, media);
    assertEquals(replayed, { ok: false, reason: "replayed" });
    await waitFor("the counts to reach the session's stats", () => {
      const dropped = bob.e2ee.stats().framesDropped;
      return dropped["authentication-failed"] >= 2 && dropped.replayed >= 1;
    });
    for (const p of [alice, bob]) {
      await p.leave();
      p.closeDecoders();
    }
  } finally {
    await server.stop();
  }
});

Deno.test("passphrase mode: the same passphrase decrypts, another one gets nothing", async () => {
  const server = await startServer();
  try {
    const mode = (passphrase: string) => ({ mode: "passphrase", passphrase, iterations: 1000 }) as const;
    const alice = await E2eeParticipant.join(server.url, "alice", "e2ee-pass", mode("correct horse"));
    const bob = await E2eeParticipant.join(server.url, "bob", "e2ee-pass", mode("correct horse"));
    const mallory = await E2eeParticipant.join(server.url, "mallory", "e2ee-pass", mode("guess"));
    await exchangeFrames([alice, bob], 3);
    await delay(300);
    assertEquals(mallory.decrypted(alice.sessionId).length, 0);
    assert(
      mallory.received.some((r) => r.from === alice.sessionId),
      "mallory received alice's frames",
    );
    assert(mallory.e2ee.stats().keyMessagesRejected >= 2, "mallory could not open the key announcements");
    for (const p of [alice, bob, mallory]) {
      await p.leave();
      p.closeDecoders();
    }
  } finally {
    await server.stop();
  }
});
