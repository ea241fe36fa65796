import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { RaisedHandSchema } from "@videocall/protocol";
import { RaisedHandsBook } from "./raised-hands.ts";

const remoteHand = (sessionId: number, raisedAtMs: number) =>
  create(RaisedHandSchema, { sessionId, raisedAtMs: BigInt(raisedAtMs) });
const notLocal = () => false;

Deno.test("raised hands are ordered by when they went up, local and remote alike", () => {
  const book = new RaisedHandsBook();
  assert.equal(book.raiseLocal(7, 2000), true);
  assert.equal(book.raiseLocal(7, 5000), false, "a second raise keeps the hand's place");
  assert.equal(book.replaceRemote("node-b", [remoteHand(9, 1000), remoteHand(3, 3000)], notLocal), true);
  assert.deepEqual(
    book.ordered().map((h) => h.sessionId),
    [9, 7, 3],
  );
  book.lowerLocal(7);
  assert.deepEqual(
    book.ordered().map((h) => h.sessionId),
    [9, 3],
  );
});

Deno.test("two nodes holding the same hands order them the same way, ties by session id", () => {
  const a = new RaisedHandsBook();
  const b = new RaisedHandsBook();
  a.raiseLocal(20, 1000);
  b.raiseLocal(10, 1000);
  a.replaceRemote("b", b.localHands(), notLocal);
  b.replaceRemote("a", a.localHands(), notLocal);
  assert.deepEqual(
    a.ordered().map((h) => h.sessionId),
    [10, 20],
  );
  assert.deepEqual(
    b.ordered().map((h) => h.sessionId),
    [10, 20],
  );
});

Deno.test("a node's snapshot replaces its last one; a lost node's hands go; bad snapshots change nothing", () => {
  const book = new RaisedHandsBook();
  book.replaceRemote("b", [remoteHand(1, 1), remoteHand(2, 2)], notLocal);
  book.replaceRemote("b", [remoteHand(2, 2)], notLocal);
  assert.deepEqual(
    book.ordered().map((h) => h.sessionId),
    [2],
  );
  assert.equal(book.replaceRemote("c", [remoteHand(0, 1)], notLocal), false, "session id 0");
  assert.equal(
    book.replaceRemote("c", [remoteHand(5, 1)], (id) => id === 5),
    false,
    "another node may not speak for ours",
  );
  assert.equal(book.dropRemoteSession(2), true);
  assert.equal(book.isRaised(2), false);
  book.replaceRemote("b", [remoteHand(4, 4)], notLocal);
  assert.equal(book.dropNode("b"), true);
  assert.deepEqual(book.ordered(), []);
});
