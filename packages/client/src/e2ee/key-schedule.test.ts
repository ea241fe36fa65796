/**
 * The key schedule end to end, with real Web Crypto: senders encrypt through FrameEncryptor,
 * receivers decrypt through FrameDecryptor with their own key ring, keys move by PairwiseChannel.
 */
import { ok as assert, deepStrictEqual as assertEquals } from "node:assert/strict";
import { utf8 } from "./bytes.ts";
import { FrameDecryptor } from "./frame-decryptor.ts";
import { FrameEncryptor } from "./frame-encryptor.ts";
import { composeKeyId, parseKeyId } from "./key-id.ts";
import { MAX_RATCHET_STEPS, ReceiverKeyRing } from "./key-ring.ts";
import { LocalSenderKeys } from "./local-sender-keys.ts";
import { generateMediaKey } from "./media-key.ts";
import { parseSFrameCiphertext, sframeOpen } from "./sframe-cipher.ts";
import { deriveSFrameKey } from "./sframe-key.ts";

const ALICE = 0x0a11ce;
const metadata = utf8("routing: alice, track 1, key frame");
const frame = (text: string) => utf8(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function plaintextOf(
  decryptor: FrameDecryptor,
  ciphertext: Uint8Array<ArrayBuffer>,
): Promise<string | undefined> {
  const result = await decryptor.decrypt(ALICE, metadata, ciphertext);
  return result.kind === "frame" ? text(result.plaintext) : undefined;
}

async function seal(encryptor: FrameEncryptor, content: string): Promise<Uint8Array<ArrayBuffer>> {
  const result = await encryptor.encrypt(metadata, frame(content));
  assert(result.ok);
  return result.ciphertext;
}

Deno.test("the KID carries sender, epoch and track slot, and each track has its own key", async () => {
  const keyId = composeKeyId(0xffff_ffff, 257, 15);
  assertEquals(parseKeyId(keyId), { senderId: 0xffff_ffff, epochByte: 1, trackSlot: 15 });
  assertEquals(parseKeyId(1n << 44n), undefined);
  const alice = new LocalSenderKeys(ALICE);
  const camera = await seal(new FrameEncryptor(alice, 0), "same");
  const microphone = await seal(new FrameEncryptor(alice, 1), "same");
  // Same base key, same counter 0, same plaintext: different KIDs give different keys, so different bytes.
  const cameraHeader = parseSFrameCiphertext(camera);
  const microphoneHeader = parseSFrameCiphertext(microphone);
  assert(cameraHeader.ok && microphoneHeader.ok);
  assertEquals([cameraHeader.header.counter, microphoneHeader.header.counter], [0n, 0n]);
  assert(
    camera
      .subarray(cameraHeader.header.byteLength)
      .some((b, i) => b !== microphone[microphoneHeader.header.byteLength + i]),
  );
});

Deno.test("frames decrypt once the sender's key is in the ring; before that the result is 'waiting for keys'", async () => {
  const alice = new LocalSenderKeys(ALICE);
  const encryptor = new FrameEncryptor(alice, 0);
  const ring = new ReceiverKeyRing();
  const decryptor = new FrameDecryptor(ring);
  const first = await seal(encryptor, "hello");
  assertEquals(await decryptor.decrypt(ALICE, metadata, first), {
    kind: "waiting-for-keys",
    senderId: ALICE,
  });
  await ring.setKey(ALICE, alice.current);
  assertEquals(await plaintextOf(decryptor, first), "hello");
  assertEquals(decryptor.stats.decrypted, 1);
  assertEquals(decryptor.stats.waitingForKeys, 1);
});

Deno.test("a replayed frame and a frame stamped with another sender are dropped and counted", async () => {
  const alice = new LocalSenderKeys(ALICE);
  const encryptor = new FrameEncryptor(alice, 0);
  const ring = new ReceiverKeyRing();
  await ring.setKey(ALICE, alice.current);
  const decryptor = new FrameDecryptor(ring, { replayWindow: 16 });
  const frames = [];
  for (let i = 0; i < 20; i++) frames.push(await seal(encryptor, `frame ${i}`));
  assertEquals(await plaintextOf(decryptor, frames[0]!), "frame 0");
  assertEquals(await decryptor.decrypt(ALICE, metadata, frames[0]!), { kind: "dropped", reason: "replayed" });
  assertEquals(await plaintextOf(decryptor, frames[19]!), "frame 19");
  assertEquals(await decryptor.decrypt(ALICE, metadata, frames[2]!), { kind: "dropped", reason: "too-old" });
  assertEquals(await plaintextOf(decryptor, frames[5]!), "frame 5"); // late but inside the window
  assertEquals(await decryptor.decrypt(0xb0b, metadata, frames[6]!), {
    kind: "dropped",
    reason: "sender-mismatch",
  });
  // Two copies in flight at once: exactly one decrypts.
  const both = await Promise.all([
    decryptor.decrypt(ALICE, metadata, frames[7]!),
    decryptor.decrypt(ALICE, metadata, frames[7]!),
  ]);
  assertEquals(both.map((r) => r.kind).sort(), ["dropped", "frame"]);
  const stats = decryptor.stats;
  assertEquals(
    [stats.dropped.replayed, stats.dropped["too-old"], stats.dropped["sender-mismatch"]],
    [2, 1, 1],
  );
});

Deno.test("a tampered frame fails authentication and leaves the replay window alone", async () => {
  const alice = new LocalSenderKeys(ALICE);
  const encryptor = new FrameEncryptor(alice, 0);
  const ring = new ReceiverKeyRing();
  await ring.setKey(ALICE, alice.current);
  const decryptor = new FrameDecryptor(ring);
  const genuine = await seal(encryptor, "genuine");
  const tampered = new Uint8Array(genuine);
  tampered[tampered.length - 1]! ^= 1;
  assertEquals(await decryptor.decrypt(ALICE, metadata, tampered), {
    kind: "dropped",
    reason: "authentication-failed",
  });
  assertEquals(await plaintextOf(decryptor, genuine), "genuine");
  assertEquals(await decryptor.decrypt(ALICE, utf8("other routing"), genuine), {
    kind: "dropped",
    reason: "replayed",
  });
  assertEquals((await decryptor.decrypt(ALICE, metadata, new Uint8Array([0x99, 1]))).kind, "dropped");
});

Deno.test("on join the sender ratchets: members follow without a message, the joiner cannot read earlier frames", async () => {
  const alice = new LocalSenderKeys(ALICE);
  const encryptor = new FrameEncryptor(alice, 0);
  const memberRing = new ReceiverKeyRing();
  await memberRing.setKey(ALICE, alice.current);
  const member = new FrameDecryptor(memberRing);
  const before = await seal(encryptor, "said before the join");
  assertEquals(await plaintextOf(member, before), "said before the join");

  const ratcheted = await alice.prepareRatchet();
  assertEquals(ratcheted.epoch, 1);
  const joinerRing = new ReceiverKeyRing();
  await joinerRing.setKey(ALICE, ratcheted); // the only key the joiner is ever given
  const joiner = new FrameDecryptor(joinerRing);
  alice.activate(ratcheted);
  const after = await seal(encryptor, "said after the join");

  assertEquals(await plaintextOf(member, after), "said after the join", "the member ratcheted by itself");
  assertEquals(memberRing.currentEpoch(ALICE), 1);
  assertEquals(await plaintextOf(joiner, after), "said after the join");
  assertEquals(await joiner.decrypt(ALICE, metadata, before), { kind: "waiting-for-keys", senderId: ALICE });
  // Even forced: the joiner's key material under the old frame's KID does not open it.
  const header = parseSFrameCiphertext(before);
  assert(header.ok);
  const forced = await sframeOpen(
    await deriveSFrameKey(ratcheted.bytes, header.header.keyId),
    header.header,
    metadata,
    before,
  );
  assertEquals(forced.ok, false);
});

Deno.test("several join ratchets while the sender sent nothing: members still follow, up to MAX_RATCHET_STEPS ahead", async () => {
  const alice = new LocalSenderKeys(ALICE);
  const encryptor = new FrameEncryptor(alice, 0);
  const memberRing = new ReceiverKeyRing();
  await memberRing.setKey(ALICE, alice.current);
  const member = new FrameDecryptor(memberRing);
  for (let i = 0; i < 3; i++) alice.activate(await alice.prepareRatchet()); // three joiners, no frame between
  assertEquals(await plaintextOf(member, await seal(encryptor, "three steps on")), "three steps on");
  assertEquals(memberRing.currentEpoch(ALICE), 3);
  for (let i = 0; i < MAX_RATCHET_STEPS + 1; i++) alice.activate(await alice.prepareRatchet());
  const tooFar = await member.decrypt(ALICE, metadata, await seal(encryptor, "too far on"));
  assertEquals(tooFar.kind, "waiting-for-keys", "beyond the window the member waits for a key message");
});

Deno.test("on leave the sender rotates to a fresh key: the leaver's last key decrypts none of the new frames", async () => {
  const alice = new LocalSenderKeys(ALICE);
  const encryptor = new FrameEncryptor(alice, 0);
  const leaverRing = new ReceiverKeyRing();
  const stayerRing = new ReceiverKeyRing();
  await Promise.all([leaverRing.setKey(ALICE, alice.current), stayerRing.setKey(ALICE, alice.current)]);
  const leaver = new FrameDecryptor(leaverRing);
  const stayer = new FrameDecryptor(stayerRing);
  const oldKey = alice.current;
  assertEquals(await plaintextOf(leaver, await seal(encryptor, "before")), "before");

  const fresh = alice.prepareRotation();
  await stayerRing.setKey(ALICE, fresh); // wrapped for those who remain only
  alice.activate(fresh);
  const newFrames = [];
  for (let i = 0; i < 50; i++) newFrames.push(await seal(encryptor, `after ${i}`));
  for (const [i, ciphertext] of newFrames.entries()) {
    assertEquals(await plaintextOf(stayer, ciphertext), `after ${i}`);
    // The leaver even tries the join ratchet of its key: it does not fit, so it just waits.
    assertEquals(await leaver.decrypt(ALICE, metadata, ciphertext), {
      kind: "waiting-for-keys",
      senderId: ALICE,
    });
    const header = parseSFrameCiphertext(ciphertext);
    assert(header.ok);
    const forced = await sframeOpen(
      await deriveSFrameKey(oldKey.bytes, header.header.keyId),
      header.header,
      metadata,
      ciphertext,
    );
    assertEquals(forced.ok, false);
  }
});

Deno.test("after a key switch the previous key still decrypts for the overlap, then no more", async () => {
  let nowMs = 0;
  const alice = new LocalSenderKeys(ALICE);
  const encryptor = new FrameEncryptor(alice, 0);
  const ring = new ReceiverKeyRing({ overlapMs: 1_000, now: () => nowMs });
  await ring.setKey(ALICE, alice.current);
  const decryptor = new FrameDecryptor(ring);
  const inFlight = [await seal(encryptor, "old 0"), await seal(encryptor, "old 1")];
  const next = alice.prepareRotation();
  await ring.setKey(ALICE, next);
  alice.activate(next);
  assertEquals(await plaintextOf(decryptor, await seal(encryptor, "new")), "new");
  nowMs = 999;
  assertEquals(
    await plaintextOf(decryptor, inFlight[0]!),
    "old 0",
    "no glitch: late frames under the old key still play",
  );
  nowMs = 1_000;
  assertEquals(await decryptor.decrypt(ALICE, metadata, inFlight[1]!), {
    kind: "waiting-for-keys",
    senderId: ALICE,
  });
  assertEquals(await ring.setKey(ALICE, generateMediaKey(0)), "stale");
});

Deno.test("an encryptor that has used up its key refuses until the sender rotates", async () => {
  const alice = new LocalSenderKeys(ALICE);
  const encryptor = new FrameEncryptor(alice, 0, { framesPerKey: 2n });
  await seal(encryptor, "a");
  await seal(encryptor, "b");
  assertEquals(await encryptor.encrypt(metadata, frame("c")), { ok: false, reason: "key-exhausted" });
  alice.activate(alice.prepareRotation());
  const result = await encryptor.encrypt(metadata, frame("c"));
  assert(result.ok);
  assertEquals(result.epoch, 1);
});

Deno.test("a new epoch with the same low 8 bits as the current one replaces it outright (RFC 9605 §5.2)", async () => {
  const ring = new ReceiverKeyRing();
  const decryptor = new FrameDecryptor(ring);
  const oldKeys = new LocalSenderKeys(ALICE, generateMediaKey(1));
  const oldEncryptor = new FrameEncryptor(oldKeys, 0);
  const oldFrames = [
    await seal(oldEncryptor, "epoch 1, frame 0"),
    await seal(oldEncryptor, "epoch 1, frame 1"),
  ];
  await ring.setKey(ALICE, oldKeys.current);
  assertEquals(await plaintextOf(decryptor, oldFrames[0]!), "epoch 1, frame 0");
  const newKeys = new LocalSenderKeys(ALICE, generateMediaKey(257));
  await ring.setKey(ALICE, newKeys.current);
  // Same KID and counter 0 as the epoch-1 frame already seen: a new key, so a new replay window.
  assertEquals(
    await plaintextOf(decryptor, await seal(new FrameEncryptor(newKeys, 0), "epoch 257")),
    "epoch 257",
  );
  // Epoch 1 is gone, not kept for overlap: its frames under the shared KID do not authenticate.
  assertEquals(await decryptor.decrypt(ALICE, metadata, oldFrames[1]!), {
    kind: "dropped",
    reason: "authentication-failed",
  });
});
