import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { SetSubscriptionsSchema, SubscriptionMode } from "@videocall/protocol";
import { LastNSelection, parseLastN } from "./last-n.ts";
import { trackKey } from "./track-key.ts";

Deno.test("last-N keeps the N most recent speakers' tracks plus the pinned ones, and reports what it gained", () => {
  const selection = new LastNSelection();
  assert.equal(selection.admits(1), true, "no limit: everything");
  const pinned = trackKey(9, 2);
  selection.configure({ limit: 2, pinned: new Set([pinned]) });
  const candidates = (recency: Record<number, number>) =>
    [5, 6, 7, 8, 9].map((session) => ({
      key: trackKey(session, 2),
      lastActiveMs: recency[session] ?? Number.NEGATIVE_INFINITY,
    }));
  // Nobody spoke yet: the first two in the room's order, plus the pin.
  assert.deepEqual(selection.select(candidates({})), [trackKey(5, 2), trackKey(6, 2), pinned]);
  assert.equal(selection.admits(trackKey(7, 2)), false);
  // 8 then 7 spoke: they replace 5 and 6; only they are new.
  assert.deepEqual(
    selection.select(candidates({ 8: 100, 7: 200 })).sort(),
    [trackKey(7, 2), trackKey(8, 2)].sort(),
  );
  assert.equal(selection.admits(trackKey(5, 2)), false);
  assert.equal(selection.admits(pinned), true, "the pin stays whoever speaks");
  assert.deepEqual(selection.select(candidates({ 8: 100, 7: 200 })), [], "no change, nothing gained");
});

Deno.test("parseLastN reads last_n and the pinned tracks; 0 means no limit", () => {
  const none = parseLastN(create(SetSubscriptionsSchema, { mode: SubscriptionMode.ALL }));
  assert.equal(none.limit, 0);
  const request = parseLastN(
    create(SetSubscriptionsSchema, {
      mode: SubscriptionMode.EXPLICIT,
      lastN: 4,
      tracks: [
        { sessionId: 3, trackId: 2, pinned: true },
        { sessionId: 4, trackId: 2 },
      ],
    }),
  );
  assert.equal(request.limit, 4);
  assert.deepEqual([...request.pinned], [trackKey(3, 2)]);
});
