import { Codec } from "@videocall/protocol";
import { assert, assertEquals } from "../../../../../test/fixtures/assert.ts";
import { TrackSelector } from "./track-selector.ts";
import { type GateDecision, type VideoFrameHeader, VideoStreamGate } from "./video-stream-gate.ts";

const frame = (
  sequence: number,
  keyframe = false,
  more: Partial<VideoFrameHeader> = {},
): VideoFrameHeader => ({
  trackId: 2,
  codec: Codec.VP8,
  keyframe,
  sequence,
  ...more,
});
const decodes = (decision: GateDecision) => decision.action === "decode";

Deno.test("a stream starts at a key frame, and after a gap waits for the next one", () => {
  const gate = new VideoStreamGate();
  assertEquals(gate.offer(frame(1), 0), { action: "drop", needKeyframe: true, configure: "vp8" });
  assertEquals(gate.offer(frame(2, true), 1), { action: "decode", configure: undefined });
  assert(decodes(gate.offer(frame(3), 2)));
  assertEquals(gate.offer(frame(5), 3), { action: "drop", needKeyframe: true, configure: undefined });
  assert(!decodes(gate.offer(frame(6), 4)));
  assert(decodes(gate.offer(frame(7, true), 5)));
  assert(decodes(gate.offer(frame(8), 6)));
});

Deno.test("absurd sequence numbers only ever cost a key frame, and the 2^32 wrap is no gap", () => {
  const gate = new VideoStreamGate();
  assert(decodes(gate.offer(frame(2 ** 32 - 1, true), 0)));
  assert(decodes(gate.offer(frame(0), 1)), "0 follows 2^32 - 1");
  for (const sequence of [2 ** 31, 0, 0, 7, 2 ** 32 - 1, 3]) {
    assertEquals(gate.offer(frame(sequence), 2).action, "drop");
  }
  assert(decodes(gate.offer(frame(100, true), 3)));
  assert(decodes(gate.offer(frame(101), 4)));
});

Deno.test("a decoder error holds every frame back until the next key frame", () => {
  const gate = new VideoStreamGate();
  gate.offer(frame(1, true), 0);
  gate.decoderFailed();
  assertEquals(gate.offer(frame(2), 1), { action: "drop", needKeyframe: true, configure: undefined });
  assert(decodes(gate.offer(frame(3, true), 2)));
});

Deno.test("a codec flip reconfigures the decoder and waits for a key frame; unknown codecs are skipped", () => {
  const gate = new VideoStreamGate();
  assertEquals(gate.offer(frame(1, true), 0), { action: "decode", configure: "vp8" });
  assertEquals(gate.offer(frame(2, false, { codec: Codec.VP9 }), 1), {
    action: "drop",
    needKeyframe: true,
    configure: "vp09.00.10.08",
  });
  assertEquals(gate.offer(frame(3, true, { codec: Codec.VP9 }), 2), {
    action: "decode",
    configure: undefined,
  });
  for (const codec of [Codec.OPUS, 77 as Codec, Codec.UNSPECIFIED]) {
    assertEquals(gate.offer(frame(4, true, { codec }), 3), {
      action: "drop",
      needKeyframe: false,
      configure: undefined,
    });
  }
});

Deno.test("frames of a second video track cannot break the one being shown", () => {
  const gate = new VideoStreamGate();
  gate.offer(frame(1, true), 0);
  for (let i = 0; i < 10; i++) {
    assertEquals(gate.offer(frame(500 + i, false, { trackId: 9 }), 10 * i).action, "drop");
    assert(decodes(gate.offer(frame(2 + i), 10 * i + 1)), `frame ${2 + i} of the shown track`);
  }
  assertEquals(gate.trackId, 2);
  // A key frame of another track is a new camera: it takes over.
  assert(decodes(gate.offer(frame(40, true, { trackId: 3 }), 200)));
  assertEquals(gate.trackId, 3);
});

Deno.test("a track selector lets another track take over once the followed one is silent", () => {
  const selector = new TrackSelector({ takeOverAfterMs: 1000 });
  assertEquals(selector.offer(1, false, 0), "switched");
  assertEquals(selector.offer(5, false, 500), "ignore");
  assertEquals(selector.offer(1, false, 900), "same");
  assertEquals(selector.offer(5, false, 1800), "ignore");
  assertEquals(selector.offer(5, false, 1900), "switched");
  assertEquals(selector.offer(1, false, 1901), "ignore");
});

Deno.test("simulcast: a key frame of a higher layer switches at once, with a fresh decoder", () => {
  const gate = new VideoStreamGate();
  assert(decodes(gate.offer(frame(10, true, { layer: 0 }), 0)));
  assert(decodes(gate.offer(frame(11, false, { layer: 0 }), 33)));
  // Layer 2's delta frames (its own sequence) are not ours: dropped, nothing asked.
  assertEquals(gate.offer(frame(500, false, { layer: 2 }), 40), {
    action: "drop",
    needKeyframe: false,
    configure: undefined,
  });
  assertEquals(gate.offer(frame(501, true, { layer: 2 }), 66), { action: "decode", configure: "vp8" });
  assertEquals(gate.layer, 2);
  assert(decodes(gate.offer(frame(502, false, { layer: 2 }), 99)), "layer 2's sequence continues");
  assert(!decodes(gate.offer(frame(12, true, { layer: 0 }), 100)), "a lower layer waits while ours runs");
  assert(decodes(gate.offer(frame(503, false, { layer: 2 }), 132)));
});

Deno.test("simulcast: once the current layer falls silent, the lower layer's next key frame is taken", () => {
  const gate = new VideoStreamGate();
  assert(decodes(gate.offer(frame(1, true, { layer: 2 }), 0)));
  // The relay moved us down: layer 0 arrives, layer 2 stops.
  assertEquals(gate.offer(frame(40, false, { layer: 0 }), 100).action, "drop");
  assertEquals(gate.offer(frame(41, false, { layer: 0 }), 400), {
    action: "drop",
    needKeyframe: true,
    configure: undefined,
  });
  assertEquals(gate.offer(frame(42, true, { layer: 0 }), 450), { action: "decode", configure: "vp8" });
  assert(decodes(gate.offer(frame(43, false, { layer: 0 }), 480)));
  assertEquals(gate.offer(frame(45, false, { layer: 0 }), 510).action, "drop", "a gap within the layer");
});
