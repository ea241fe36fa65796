import { Codec, joinMeeting, type Media, MediaKind } from "@videocall/client";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { metricValue, startServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";

/** A Prometheus histogram's cumulative buckets, in order of `le`, as [bound, count]. */
function buckets(text: string, name: string): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  for (const match of text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, "gm"))) {
    found.push([match[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(match[1]), Number(match[2])]);
  }
  return found;
}

function assertHistogram(text: string, name: string, expectedCount: (count: number) => boolean): number {
  const count = metricValue(text, `${name}_count`);
  assert(expectedCount(count), `${name}_count is ${count}`);
  const sum = metricValue(text, `${name}_sum`);
  assert(sum > 0, `${name}_sum is ${sum}: the clock must have moved`);
  const cumulative = buckets(text, name);
  assert(cumulative.length > 5, `${name} has its buckets`);
  for (let i = 1; i < cumulative.length; i++) assert(cumulative[i]![1] >= cumulative[i - 1]![1]);
  assertEquals(cumulative.at(-1), [Number.POSITIVE_INFINITY, count], "+Inf holds every observation");
  return count;
}

Deno.test("join time and sampled forwarding time appear in /metrics and count real joins and media", async () => {
  const server = await startServer();
  try {
    const before = await server.metrics();
    assertEquals(metricValue(before, "videocall_join_seconds_count"), 0);
    assertEquals(metricValue(before, "videocall_forwarding_seconds_count"), 0);

    const alice = await joinMeeting({ serverUrl: server.url, username: "alice", meetingId: "timed" });
    const bob = await joinMeeting({
      serverUrl: server.url,
      username: "bob",
      meetingId: "timed",
      transport: "websocket",
    });
    assertEquals(alice.transportKind, "webtransport");
    const afterJoins = await server.metrics();
    assertHistogram(afterJoins, "videocall_join_seconds", (count) => count === 2);
    assertEquals(metricValue(afterJoins, "videocall_forwarding_seconds_count"), 0, "no media yet");

    await waitFor("alice to see bob", () => alice.participants.size === 1);
    const toBob: Media[] = [];
    bob.events.on("media", (_from, media) => toBob.push(media));
    alice.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 });
    const frames = 320; // 5 samples at 1 in 64
    const payload = new Uint8Array(600);
    // In batches, each delivered before the next: a burst of all 320 could back up bob's queue on a
    // loaded machine, and a backlogged subscriber rightly drops deltas until the next key frame.
    const batch = 32;
    for (let sent = 0; sent < frames; sent += batch) {
      for (let i = sent; i < sent + batch; i++) {
        alice.sendFrame(2, { keyframe: i === 0, captureTimeUs: Date.now() * 1000, payload });
      }
      await waitFor(`bob to get frames up to ${sent + batch}`, () => toBob.length === sent + batch, 15_000);
    }
    const afterMedia = await server.metrics();
    const sampled = assertHistogram(afterMedia, "videocall_forwarding_seconds", (count) => count >= 5);
    assert(sampled <= frames / 64 + 2, `about 1 packet in 64 is timed, got ${sampled} of ${frames}`);
    assertEquals(metricValue(afterMedia, "videocall_join_seconds_count"), 2, "media adds no joins");

    // A refused join is no join: it adds nothing to the histogram.
    const refused = await joinMeeting({
      serverUrl: server.url,
      username: "bad name!",
      meetingId: "timed",
    }).then(
      () => false,
      () => true,
    );
    assert(refused, "an invalid name is refused");
    assertEquals(metricValue(await server.metrics(), "videocall_join_seconds_count"), 2);
    await alice.leave();
    await bob.leave();
  } finally {
    await server.stop();
  }
});
