/** Media.audio_level of full scale (0 dBov). */
export const FULL_SCALE_AUDIO_LEVEL = 127;

/**
 * Media.audio_level of a signal with this RMS (1.0 = full scale): RFC 6464's -dBov turned round,
 * 127 + 20·log10(rms) clamped to 0..127, so digital silence is 0 and a full-scale square wave 127.
 */
export function audioLevelFromRms(rms: number): number {
  if (!(rms > 0)) return 0;
  const dBov = 20 * Math.log10(rms);
  return Math.min(FULL_SCALE_AUDIO_LEVEL, Math.max(0, Math.round(FULL_SCALE_AUDIO_LEVEL + dBov)));
}

/**
 * Measures the loudness of the PCM an encoder is given, one encoded frame at a time: `add` each
 * buffer of samples as it goes in, `take` the level when the encoder puts a frame out. The input
 * (10 ms buffers from the microphone) and the output (20 ms Opus frames) do not line up, so the
 * level is the RMS of everything added since the last frame.
 */
export class AudioLevelMeter {
  #sumOfSquares = 0;
  #sampleCount = 0;

  add(samples: Float32Array, length = samples.length): void {
    let sum = 0;
    for (let i = 0; i < length; i++) {
      const sample = samples[i] ?? 0;
      sum += sample * sample;
    }
    this.#sumOfSquares += sum;
    this.#sampleCount += length;
  }

  /** The level of the samples added since the last call (0 when none were), and starts again. */
  take(): number {
    const level =
      this.#sampleCount === 0 ? 0 : audioLevelFromRms(Math.sqrt(this.#sumOfSquares / this.#sampleCount));
    this.#sumOfSquares = 0;
    this.#sampleCount = 0;
    return level;
  }
}
