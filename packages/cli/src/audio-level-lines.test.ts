import assert from "node:assert/strict";
import { AudioLevelLines } from "./audio-level-lines.ts";

Deno.test("ffmpeg's astats lines become audio levels; other lines are left for error messages", () => {
  const levels = new AudioLevelLines();
  assert.equal(levels.latest, 0);
  assert.equal(levels.accept("frame:0    pts:0       pts_time:0"), true);
  assert.equal(levels.accept("lavfi.astats.Overall.RMS_level=-21.054868"), true);
  assert.equal(levels.latest, 106);
  assert.equal(levels.accept("lavfi.astats.Overall.RMS_level=-inf"), true);
  assert.equal(levels.latest, 0, "digital silence");
  assert.equal(levels.accept("lavfi.astats.Overall.RMS_level=3.0"), true);
  assert.equal(levels.latest, 127, "clipped input clamps to full scale");
  assert.equal(
    levels.accept("[alsa @ 0x1] cannot open audio device hw:9 (No such file or directory)"),
    false,
  );
});
