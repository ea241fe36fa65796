import { OPUS_FRAME_DURATION_US, OPUS_SAMPLE_RATE_HZ } from "../tracks.ts";

/**
 * The loss Opus prepares its in-band FEC for (OpusEncoderConfig.packetlossperc): enough to carry
 * a lost 20 ms packet's speech in the next one, as WebRTC's Opus does by default on lossy links.
 */
export const OPUS_EXPECTED_LOSS_PERCENT = 10;

/** Loss resilience the encoder may add: in-band FEC (speech of a lost packet in the next) and DTX (silence not sent). */
export interface OpusResilience {
  useinbandfec: boolean;
  usedtx: boolean;
  packetlossperc: number;
}

export const OPUS_RESILIENCE: OpusResilience = {
  useinbandfec: true,
  usedtx: true,
  packetlossperc: OPUS_EXPECTED_LOSS_PERCENT,
};

/** The mono 20 ms Opus config the publisher encodes with, with `resilience` where the browser took it. */
export function opusEncoderConfig(
  sampleRateHz: number,
  bitrateBps: number,
  resilience: Partial<OpusResilience> = {},
): AudioEncoderConfig {
  return {
    codec: "opus",
    // Opus runs at 48 kHz; WebCodecs resamples other microphone rates.
    sampleRate: sampleRateHz || OPUS_SAMPLE_RATE_HZ,
    numberOfChannels: 1,
    bitrate: bitrateBps,
    opus: { frameDuration: OPUS_FRAME_DURATION_US, complexity: 5, ...resilience },
  };
}

/**
 * The resilience members the browser's encoder accepts: `isConfigSupported` echoes back only the
 * members it recognises, so an older browser (or one without them) gets a config without them
 * instead of a failed configure. Nothing, when the check itself fails.
 */
export async function supportedOpusResilience(
  isConfigSupported: (config: AudioEncoderConfig) => Promise<AudioEncoderSupport>,
  sampleRateHz = OPUS_SAMPLE_RATE_HZ,
  bitrateBps = 32_000,
): Promise<Partial<OpusResilience>> {
  try {
    const support = await isConfigSupported(opusEncoderConfig(sampleRateHz, bitrateBps, OPUS_RESILIENCE));
    if (!support.supported) return {};
    const echoed = support.config?.opus ?? {};
    const accepted: Partial<OpusResilience> = {};
    if (echoed.useinbandfec === true) accepted.useinbandfec = true;
    if (echoed.usedtx === true) accepted.usedtx = true;
    if (accepted.useinbandfec && typeof echoed.packetlossperc === "number") {
      accepted.packetlossperc = echoed.packetlossperc;
    }
    return accepted;
  } catch {
    return {};
  }
}
