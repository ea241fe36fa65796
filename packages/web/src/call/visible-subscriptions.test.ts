import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { Subscriptions } from "@videocall/client";
import { SubscriptionSender, visibleSubscriptions } from "./visible-subscriptions.ts";

Deno.test("the page subscribes to its visible video at tile size (rounded) and to all audio", () => {
  const subscriptions = visibleSubscriptions([
    { sessionId: 2, trackId: 1, widthPx: 633, heightPx: 357 },
    { sessionId: 3, trackId: 1, widthPx: 0, heightPx: 0 },
    { sessionId: 2, trackId: 1, widthPx: 100, heightPx: 100 },
  ]);
  deepStrictEqual(subscriptions, {
    mode: "explicit",
    tracks: [
      { sessionId: 2, trackId: 1, widthPx: 640, heightPx: 352 },
      { sessionId: 3, trackId: 1, widthPx: 0, heightPx: 0 },
    ],
    allAudio: true,
  });
});

Deno.test("at most 256 video subscriptions, whatever the page holds", () => {
  const videos = Array.from({ length: 400 }, (_, i) => ({
    sessionId: i + 1,
    trackId: 1,
    widthPx: 320,
    heightPx: 180,
  }));
  const subscriptions = visibleSubscriptions(videos);
  strictEqual(subscriptions.mode, "explicit");
  if (subscriptions.mode !== "explicit") return;
  strictEqual(subscriptions.tracks.length, 256);
  strictEqual(subscriptions.tracks[0]?.sessionId, 1);
});

Deno.test("subscriptions are sent once per burst of changes, and never twice the same", async () => {
  const sent: Subscriptions[] = [];
  const sender = new SubscriptionSender((subscriptions) => sent.push(subscriptions), 20);
  const at = (widthPx: number) =>
    visibleSubscriptions([{ sessionId: 2, trackId: 1, widthPx, heightPx: 180 }]);
  sender.update(at(320));
  sender.update(at(640));
  sender.update(at(1280));
  await new Promise((resolve) => setTimeout(resolve, 60));
  deepStrictEqual(sent, [at(1280)]);
  sender.update(at(1280));
  await new Promise((resolve) => setTimeout(resolve, 60));
  strictEqual(sent.length, 1, "no change: nothing sent");
  sender.update(at(320));
  sender.close();
  await new Promise((resolve) => setTimeout(resolve, 60));
  strictEqual(sent.length, 1, "closed: the pending update is dropped");
});
