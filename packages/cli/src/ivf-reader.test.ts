import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { IvfFormatError, IvfReader } from "./ivf-reader.ts";
import { encodeWithFfmpeg, pushInChunks } from "./test-media.ts";
import { isVpxKeyframe, vpxKeyframeInfo } from "./vpx-bitstream.ts";

function ivf(frames: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(32 + frames.reduce((sum, f) => sum + 12 + f.length, 0));
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode("DKIFxxxxVP80"), 0);
  view.setUint16(4, 0, true);
  view.setUint16(6, 32, true);
  view.setUint16(12, 320, true);
  view.setUint16(14, 240, true);
  view.setUint32(16, 30, true);
  view.setUint32(20, 1, true);
  let offset = 32;
  frames.forEach((frame, index) => {
    view.setUint32(offset, frame.length, true);
    view.setBigUint64(offset + 4, BigInt(index), true);
    out.set(frame, offset + 12);
    offset += 12 + frame.length;
  });
  return out;
}

Deno.test("IvfReader reads the header and frames split across chunks at any byte", () => {
  const frames = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(500).fill(7)];
  const reader = new IvfReader();
  const read = pushInChunks(ivf(frames), (chunk) => reader.push(chunk));
  deepStrictEqual(reader.header, {
    fourcc: "VP80",
    width: 320,
    height: 240,
    timebaseNumerator: 1,
    timebaseDenominator: 30,
  });
  deepStrictEqual(
    read.map((f) => f.pts),
    [0, 1, 2],
  );
  deepStrictEqual(
    read.map((f) => f.payload),
    frames,
  );
});

Deno.test("IvfReader rejects a stream that is not IVF", () => {
  throws(() => new IvfReader().push(new TextEncoder().encode("OggS".padEnd(40, "x"))), IvfFormatError);
});

for (const codec of ["vp8", "vp9"] as const) {
  Deno.test(`ffmpeg ${codec} IVF: key frames every 10 frames, found from the bitstream, with the size`, async () => {
    const bytes = await encodeWithFfmpeg([
      ...["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-frames:v", "30"],
      ...["-c:v", codec === "vp8" ? "libvpx" : "libvpx-vp9", "-g", "10", "-deadline", "realtime"],
      ...["-lag-in-frames", "0", "-f", "ivf"],
    ]);
    const reader = new IvfReader();
    const frames = pushInChunks(bytes, (chunk) => reader.push(chunk));
    strictEqual(frames.length, 30);
    strictEqual(reader.header?.fourcc, codec === "vp8" ? "VP80" : "VP90");
    const keyframes = frames.flatMap((frame, index) => (isVpxKeyframe(codec, frame.payload) ? [index] : []));
    deepStrictEqual(keyframes, [0, 10, 20]);
    deepStrictEqual(vpxKeyframeInfo(codec, frames[0]!.payload), { width: 320, height: 180 });
    ok(vpxKeyframeInfo(codec, frames[1]!.payload) === undefined);
  });
}
