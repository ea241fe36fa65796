import assert from "node:assert/strict";
import { AudioLevelMeter, audioLevelFromRms } from "./audio-level.ts";

Deno.test("audio levels follow RFC 6464 turned round: 127 at 0 dBov, one step per dB, 0 for silence", () => {
  assert.equal(audioLevelFromRms(1), 127);
  assert.equal(audioLevelFromRms(0.1), 107, "-20 dBov");
  assert.equal(audioLevelFromRms(10 ** (-35 / 20)), 92, "-35 dBov, the relay's voice threshold");
  assert.equal(audioLevelFromRms(1e-9), 0, "below -127 dBov clamps to 0");
  assert.equal(audioLevelFromRms(0), 0);
  assert.equal(audioLevelFromRms(Number.NaN), 0);
  assert.equal(audioLevelFromRms(4), 127, "above full scale clamps");
});

Deno.test("the meter gives the RMS level of everything added since the last frame", () => {
  const meter = new AudioLevelMeter();
  assert.equal(meter.take(), 0, "nothing added: silent");
  // A full-scale sine has an RMS of 1/√2: -3 dBov.
  const sine = Float32Array.from({ length: 480 }, (_, i) => Math.sin((2 * Math.PI * i) / 48));
  meter.add(sine);
  meter.add(sine);
  assert.equal(meter.take(), 124);
  meter.add(new Float32Array(480));
  assert.equal(meter.take(), 0, "digital silence; the sine was not carried over");
  meter.add(
    sine.map((x) => x / 10),
    240,
  );
  assert.equal(meter.take(), 104, "-23 dBov, only the first 240 samples counted");
});
