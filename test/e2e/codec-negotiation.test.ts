/**
 * End-to-end codec negotiation: a Chromium page that picked AV1 (offered only because Chromium
 * encodes AV1 in real time) sends AV1 while everyone decodes it, VP9 once a receiver without AV1
 * joins, VP8 once one that decodes only VP8 (as WebKit) joins, and AV1 again when they leave; each
 * switch starts with a key frame. The receivers are library clients announcing their decoders.
 */
import { ok } from "node:assert/strict";
import { Codec, joinMeeting, type Media, MediaKind, type MeetingSession } from "@videocall/client";
import { join, launchBrowser, openMeetingPage } from "../fixtures/browser.ts";
import { startServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const MEETING = "codec-negotiation";

Deno.test("a page's camera sends the best codec every participant decodes", TEST_OPTIONS, async () => {
  const server = await startServer();
  const browser = await launchBrowser();
  const sessions: MeetingSession[] = [];
  const joinWith = async (username: string, videoDecoders: Codec[]) => {
    const session = await joinMeeting({ serverUrl: server.url, username, meetingId: MEETING, videoDecoders });
    sessions.push(session);
    return session;
  };
  try {
    const alice = await openMeetingPage(browser, server.url, "alice", MEETING);
    const offered = await alice.page
      .getByLabel("Video codec")
      .locator("option")
      .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
    ok(offered.includes("av1"), `Chromium encodes AV1 in real time, so the menu offers it: ${offered}`);
    await alice.page.getByLabel("Video codec").selectOption("av1");
    const aliceId = await join(alice.page);

    const everything = await joinWith("bob", [Codec.AV1, Codec.VP9, Codec.H264, Codec.VP8]);
    const frames: Media[] = [];
    everything.events.on("media", (from, media) => {
      if (from === aliceId && media.kind === MediaKind.VIDEO) frames.push(media);
    });
    const codecNow = () => frames.at(-1)?.codec;
    await waitFor("AV1 from alice", () => codecNow() === Codec.AV1, 20_000);

    const noAv1 = await joinWith("carol", [Codec.VP9, Codec.VP8]);
    await waitFor("the switch to VP9", () => codecNow() === Codec.VP9, 20_000);
    const webkitLike = await joinWith("safari", [Codec.VP8]);
    await waitFor("the switch to VP8", () => codecNow() === Codec.VP8, 20_000);
    await webkitLike.leave();
    await noAv1.leave();
    await waitFor("the switch back to AV1", () => codecNow() === Codec.AV1, 20_000);

    // Per layer, the first frame in a new codec is a key frame (each simulcast layer restarts).
    const lastCodecOfLayer = new Map<number, Codec>();
    for (const [index, media] of frames.entries()) {
      const previous = lastCodecOfLayer.get(media.layer);
      if (previous !== undefined && previous !== media.codec)
        ok(media.keyframe, `frame ${index} (layer ${media.layer}) switches codec without a key frame`);
      lastCodecOfLayer.set(media.layer, media.codec);
    }
    const errors = alice.errors.filter((error) => /encod/i.test(error));
    ok(errors.length === 0, errors.join("\n"));
  } finally {
    for (const session of sessions) await session.leave();
    await browser.close();
    await server.stop();
  }
});
