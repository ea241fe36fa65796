import { ok, strictEqual } from "node:assert/strict";
import { BodyField, decodePacket, MediaKind, RoutingHeader, scanRoutingHeader } from "@videocall/protocol";
import {
  captureTimeUsOf,
  mediaAtBitrate,
  PacketTemplate,
  RELAY_BENCH_MEDIA,
  SIMULCAST_LAYERS,
  simulcastTemplates,
  temporalLayerOfFrame,
} from "./synthetic-media.ts";

Deno.test("a patched template is a valid Media packet of the asked size with the patched fields", () => {
  const template = new PacketTemplate(MediaKind.VIDEO, true, 1200, 33_333);
  strictEqual(template.bytes.length, 1200);
  for (const [captureUs, sequence] of [
    [0, 0],
    [123_456_789, 7],
    [86_400e6 * 365, 0xffff_ffff],
  ] as const) {
    const bytes = template.patch(captureUs, sequence);
    strictEqual(bytes.length, 1200, "patching keeps the length");
    const header = new RoutingHeader();
    ok(scanRoutingHeader(bytes, header), String(header.error));
    strictEqual(header.body, BodyField.media);
    strictEqual(captureTimeUsOf(header.captureTimeUs), captureUs);
    const packet = decodePacket(bytes);
    ok(packet.body.case === "media");
    strictEqual(packet.body.value.keyframe, true);
    strictEqual(packet.body.value.kind, MediaKind.VIDEO);
    strictEqual(packet.body.value.payload[0], 0x10, "a VP8 key frame tag");
    strictEqual(header.sequence - 2 ** 28, sequence);
  }
});

Deno.test("media at a bitrate: deltas and key frames add up to about the bitrate", () => {
  const media = mediaAtBitrate(500, 30);
  strictEqual(media.keyframeIntervalFrames, 60);
  const bitsPerSecond =
    8 *
    ((media.videoDeltaBytes * (media.keyframeIntervalFrames - 1) + media.videoKeyframeBytes) /
      (media.keyframeIntervalFrames / media.videoFramesPerSecond));
  ok(Math.abs(bitsPerSecond - 500_000) < 500_000 * 0.02, `${bitsPerSecond} b/s`);
  strictEqual(RELAY_BENCH_MEDIA.videoDeltaBytes, 1200);
});

Deno.test("simulcast templates carry layer, temporal layer and a patchable audio level", () => {
  const templates = simulcastTemplates(SIMULCAST_LAYERS, 30, 100);
  const header = new RoutingHeader();
  templates.layers.forEach((layer, i) => {
    ok(scanRoutingHeader(layer.key.patch(1, 0), header), String(header.error));
    strictEqual(header.layer, i);
    strictEqual(header.keyframe, true);
    for (const temporal of [0, 1, 2]) {
      ok(scanRoutingHeader((layer.deltas[temporal] as PacketTemplate).patch(1, 1), header));
      strictEqual(header.temporalLayer, temporal);
      strictEqual(header.layer, i);
    }
  });
  ok((templates.layers[2]?.key.bytes.length ?? 0) > (templates.layers[0]?.key.bytes.length ?? 0));
  templates.audio.patchAudioLevel(90);
  ok(scanRoutingHeader(templates.audio.patch(1, 0), header));
  strictEqual(header.audioLevel, 90);
  templates.audio.patchAudioLevel(500);
  ok(scanRoutingHeader(templates.audio.bytes, header));
  strictEqual(header.audioLevel, 127, "clamped to full scale");
  const silent = simulcastTemplates(SIMULCAST_LAYERS, 30, 0).audio;
  ok(scanRoutingHeader(silent.patch(1, 0), header));
  strictEqual(header.audioLevel, 0, "no level: silent");
  strictEqual(temporalLayerOfFrame(0), 0);
  strictEqual(temporalLayerOfFrame(1), 2);
  strictEqual(temporalLayerOfFrame(2), 1);
});
