import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { OggFormatError, OggOpusReader } from "./ogg-opus-reader.ts";
import { encodeWithFfmpeg, pushInChunks } from "./test-media.ts";

function page(packets: Uint8Array[], continued = false): Uint8Array {
  const lacing: number[] = [];
  for (const packet of packets) {
    let left = packet.length;
    while (left >= 255) {
      lacing.push(255);
      left -= 255;
    }
    lacing.push(left);
  }
  const body = packets.reduce((sum, p) => sum + p.length, 0);
  const out = new Uint8Array(27 + lacing.length + body);
  out.set([0x4f, 0x67, 0x67, 0x53], 0);
  out[5] = continued ? 1 : 0;
  out[26] = lacing.length;
  out.set(lacing, 27);
  let offset = 27 + lacing.length;
  for (const packet of packets) {
    out.set(packet, offset);
    offset += packet.length;
  }
  return out;
}

const opusHead = new Uint8Array([
  ...new TextEncoder().encode("OpusHead"),
  1,
  1,
  0x38,
  1,
  0x80,
  0xbb,
  0,
  0,
  0,
  0,
  0,
]);
const opusTags = new TextEncoder().encode("OpusTags\0\0\0\0\0\0\0\0");

Deno.test("OggOpusReader skips OpusHead and OpusTags and splits packets, also 255-byte multiples", () => {
  const audio = [new Uint8Array(3).fill(1), new Uint8Array(255).fill(2), new Uint8Array(600).fill(3)];
  const stream = [page([opusHead]), page([opusTags]), page(audio)];
  const reader = new OggOpusReader();
  const packets = stream.flatMap((p) => pushInChunks(p, (chunk) => reader.push(chunk)));
  deepStrictEqual(packets, audio);
  strictEqual(reader.channelCount, 1);
});

Deno.test("OggOpusReader rejects a stream that is not Ogg", () => {
  throws(() => new OggOpusReader().push(new Uint8Array(40).fill(0x41)), OggFormatError);
});

Deno.test("ffmpeg Ogg/Opus at 20 ms frames: 50 packets a second", async () => {
  const bytes = await encodeWithFfmpeg([
    ...["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "1", "-ac", "1"],
    ...["-c:a", "libopus", "-frame_duration", "20", "-application", "lowdelay", "-page_duration", "20000"],
    ...["-f", "ogg"],
  ]);
  const reader = new OggOpusReader();
  const packets = pushInChunks(bytes, (chunk) => reader.push(chunk));
  ok(packets.length >= 50 && packets.length <= 52, `${packets.length} packets`);
  // TOC byte: config 16..19 is CELT-only fullband; the last two bits of config give 20 ms (3).
  ok(
    packets.every((p) => (p[0]! >> 3) % 4 === 3),
    "every packet is 20 ms",
  );
});
