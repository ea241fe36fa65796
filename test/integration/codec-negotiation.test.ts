/**
 * Codec negotiation per meeting with library clients: each announces the video codecs it decodes
 * (JoinOptions.videoDecoders → TrackState.video_decoders), and a publisher following the roster
 * through VideoCodecNegotiator sends only a codec everyone decodes, switching with a key frame.
 */
import {
  Codec,
  joinMeeting,
  type Media,
  MediaKind,
  type MeetingSession,
  VideoCodecNegotiator,
} from "@videocall/client";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { startServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";

const MEETING = "codecs";
const EVERYTHING = [Codec.AV1, Codec.VP9, Codec.H264, Codec.VP8];
const PREFERENCES = [Codec.AV1, Codec.VP9, Codec.VP8];

/** A publisher that sends a frame every 20 ms in the negotiated codec, a key frame after each switch. */
function startPublishing(session: MeetingSession): { negotiator: VideoCodecNegotiator; stop: () => void } {
  const negotiator = new VideoCodecNegotiator(session, PREFERENCES, { settleMs: 50 });
  const track = session.publishTrack({ kind: MediaKind.VIDEO, codec: negotiator.codec });
  let keyframe = true;
  negotiator.events.on("changed", (codec) => {
    track.setCodec(codec);
    keyframe = true;
  });
  const timer = setInterval(() => {
    track.sendFrame({ keyframe, captureTimeUs: Date.now() * 1000, payload: new Uint8Array(200) });
    keyframe = false;
  }, 20);
  return {
    negotiator,
    stop: () => {
      clearInterval(timer);
      negotiator.close();
    },
  };
}

/** The media a session receives, in order. */
function record(session: MeetingSession): Media[] {
  const frames: Media[] = [];
  session.events.on("media", (_from, media) => frames.push(media));
  return frames;
}

function lastCodec(frames: readonly Media[]): Codec | undefined {
  return frames.at(-1)?.codec;
}

/** After the last frame of another codec, the first frame is a key frame (receivers need one). */
function assertSwitchesAtKeyframes(frames: readonly Media[], who: string): void {
  for (let i = 1; i < frames.length; i++) {
    if (frames[i]!.codec !== frames[i - 1]!.codec)
      assert(frames[i]!.keyframe, `${who}: frame ${i} switches codec without a key frame`);
  }
}

Deno.test("a publisher sends the best codec every participant decodes, and switches as people join and leave", async () => {
  const server = await startServer();
  const sessions: MeetingSession[] = [];
  const join = async (username: string, videoDecoders?: Codec[]) => {
    const session = await joinMeeting({
      serverUrl: server.url,
      username,
      meetingId: MEETING,
      ...(videoDecoders ? { videoDecoders } : {}),
    });
    sessions.push(session);
    return session;
  };
  try {
    const alice = await join("alice", EVERYTHING);
    const publisher = startPublishing(alice);
    assertEquals(publisher.negotiator.codec, Codec.AV1, "alone: the first preference");

    const bob = await join("bob", EVERYTHING);
    const bobFrames = record(bob);
    await waitFor("bob to get AV1", () => lastCodec(bobFrames) === Codec.AV1, 20_000);

    // A receiver without AV1: everyone gets VP9 from its next key frame on.
    const carol = await join("carol", [Codec.VP9, Codec.VP8]);
    const carolFrames = record(carol);
    await waitFor("the switch to VP9", () => lastCodec(bobFrames) === Codec.VP9, 20_000);
    await waitFor("carol to get VP9", () => lastCodec(carolFrames) === Codec.VP9, 20_000);
    const carolVp9Start = carolFrames.findIndex((m) => m.codec === Codec.VP9);
    assert(carolFrames[carolVp9Start]!.keyframe, "the first VP9 frame is a key frame");

    // A client older than the field announces nothing: VP8 and VP9 are assumed, so VP9 stays.
    const dave = await join("dave");
    const daveFrames = record(dave);
    await waitFor("dave to get frames", () => daveFrames.length >= 10, 20_000);
    assertEquals(publisher.negotiator.codec, Codec.VP9);
    assertEquals(lastCodec(daveFrames), Codec.VP9);

    // A WebKit-like receiver decodes only VP8.
    const eve = await join("eve", [Codec.VP8]);
    const eveFrames = record(eve);
    await waitFor("eve to get VP8", () => lastCodec(eveFrames) === Codec.VP8, 20_000);
    await waitFor("bob to get VP8 too", () => lastCodec(bobFrames) === Codec.VP8, 20_000);
    const bobVp8Start = bobFrames.findIndex((m) => m.codec === Codec.VP8);
    assert(bobFrames[bobVp8Start]!.keyframe, "the first VP8 frame is a key frame");

    // A second publisher who joins now learns everyone's decoders from the Welcome: VP8 from its first frame.
    const gus = await join("gus", EVERYTHING);
    const late = new VideoCodecNegotiator(gus, PREFERENCES);
    assertEquals(late.codec, Codec.VP8, "the relay keeps each participant's decoders for the roster");
    assertEquals([...gus.participants.values()].find((p) => p.username === "eve")?.videoDecoders, [
      Codec.VP8,
    ]);
    late.close();
    await gus.leave();

    // Eve leaves: back to VP9 (dave's assumed set and carol's list still rule out AV1).
    await eve.leave();
    await waitFor("the switch back to VP9", () => lastCodec(bobFrames) === Codec.VP9, 20_000);
    await carol.leave();
    await dave.leave();
    await waitFor("the switch back to AV1", () => lastCodec(bobFrames) === Codec.AV1, 20_000);

    for (const [who, frames] of [
      ["bob", bobFrames],
      ["carol", carolFrames],
      ["dave", daveFrames],
      ["eve", eveFrames],
    ] as const) {
      assertSwitchesAtKeyframes(frames, who);
    }
    // The publisher's TrackState follows the codec too.
    await waitFor(
      "bob to see the AV1 track",
      () => [...bob.participants.values()].some((p) => p.tracks.some((t) => t.codec === Codec.AV1)),
      20_000,
    );
    publisher.stop();
  } finally {
    for (const session of sessions) await session.leave();
    await server.stop();
  }
});
