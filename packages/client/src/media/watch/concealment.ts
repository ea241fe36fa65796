/**
 * Packet loss concealment for PCM frames: repeat the last good frame with a decaying gain, so a
 * single lost 20 ms frame is barely audible and a longer outage fades to silence instead of buzzing.
 */
export const CONCEALMENT_DECAY_PER_FRAME = 0.5;

/** Writes into `out` the concealment for the `lossCount`-th missing frame in a row (1-based). */
export function concealFrame(
  lastFrame: Float32Array | undefined,
  lossCount: number,
  out: Float32Array,
): void {
  if (!lastFrame) {
    out.fill(0);
    return;
  }
  const startGain = CONCEALMENT_DECAY_PER_FRAME ** (lossCount - 1);
  const endGain = startGain * CONCEALMENT_DECAY_PER_FRAME;
  const length = out.length;
  // A linear ramp within the frame avoids a click at each frame boundary.
  for (let i = 0; i < length; i++) {
    const gain = startGain + ((endGain - startGain) * i) / length;
    out[i] = (lastFrame[i % lastFrame.length] ?? 0) * gain;
  }
}
