import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { AnnexBFormatError, AnnexBReader, NAL_TYPE } from "./annexb-reader.ts";
import { encodeWithFfmpeg, pushInChunks } from "./test-media.ts";

/** NAL unit types of an access unit, in order. */
function nalTypes(unit: Uint8Array): number[] {
  const types: number[] = [];
  for (let i = 0; i + 3 < unit.length; i++) {
    if (unit[i] === 0 && unit[i + 1] === 0 && unit[i + 2] === 1) types.push(unit[i + 3]! & 0x1f);
  }
  return types;
}

const AUD = [0, 0, 0, 1, 0x09, 0xf0];

Deno.test("AnnexBReader splits on AUDs across chunks at any byte and flushes the last unit", () => {
  const idr = [...AUD, 0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 1, 0x65, ...new Array(300).fill(9)];
  const delta = [...AUD, 0, 0, 1, 0x41, ...new Array(40).fill(0x80)];
  const last = [...AUD, 0, 0, 0, 1, 0x41, 7];
  const stream = new Uint8Array([...idr, ...delta, ...last]);
  const reader = new AnnexBReader();
  const units = pushInChunks(stream, (chunk) => reader.push(chunk));
  deepStrictEqual(units, [
    { keyframe: true, payload: new Uint8Array(idr) },
    { keyframe: false, payload: new Uint8Array(delta) },
  ]);
  deepStrictEqual(reader.flush(), [{ keyframe: false, payload: new Uint8Array(last) }]);
  deepStrictEqual(reader.flush(), []);
});

Deno.test("AnnexBReader refuses a stream that never has an access unit delimiter", () => {
  const reader = new AnnexBReader();
  const noAud = new Uint8Array(17 * 1024 * 1024).fill(0x41);
  throws(() => reader.push(noAud), AnnexBFormatError);
});

Deno.test("ffmpeg libx264 with AUDs: one access unit per frame, IDR every 10 with SPS and PPS inline", async () => {
  const bytes = await encodeWithFfmpeg([
    ...["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-frames:v", "30"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-profile:v", "baseline"],
    ...["-g", "10", "-keyint_min", "10", "-sc_threshold", "0"],
    ...["-bsf:v", "h264_metadata=aud=insert", "-f", "h264"],
  ]);
  const reader = new AnnexBReader();
  const units = [...pushInChunks(bytes, (chunk) => reader.push(chunk)), ...reader.flush()];
  strictEqual(units.length, 30);
  deepStrictEqual(
    units.flatMap((unit, index) => (unit.keyframe ? [index] : [])),
    [0, 10, 20],
  );
  // Every byte lands in exactly one unit, and each unit is AUD first.
  strictEqual(
    units.reduce((sum, unit) => sum + unit.payload.length, 0),
    bytes.length,
  );
  for (const unit of units) strictEqual(nalTypes(unit.payload)[0], NAL_TYPE.ACCESS_UNIT_DELIMITER);
  for (const unit of units.filter((u) => u.keyframe)) {
    const types = nalTypes(unit.payload);
    ok(types.includes(NAL_TYPE.SPS) && types.includes(NAL_TYPE.PPS), `SPS and PPS in ${types}`);
  }
});
