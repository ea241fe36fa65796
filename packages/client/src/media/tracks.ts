import { Codec } from "@videocall/protocol";

export type VideoCodecChoice = "vp8" | "vp9" | "h264" | "av1";

/** WebCodecs codec string and wire codec of each video codec the user can pick. */
export const VIDEO_CODECS: Record<VideoCodecChoice, { codecString: string; wire: Codec }> = {
  vp8: { codecString: "vp8", wire: Codec.VP8 },
  vp9: { codecString: "vp09.00.10.08", wire: Codec.VP9 },
  // Constrained Baseline, level 3.1 (720p30). Sent as Annex-B, SPS/PPS inline before each IDR, so
  // the decoder needs no avcC description and a late joiner can start at any key frame.
  h264: { codecString: "avc1.42001f", wire: Codec.H264 },
  // Main profile, level 3.1 (720p30), Main tier, 8 bits. Offered only where the browser encodes it
  // in real time (codec-support.ts), and sent only while every receiver decodes it (negotiation).
  av1: { codecString: "av01.0.05M.08", wire: Codec.AV1 },
};

/** The choice whose wire codec is `codec`, or undefined for a codec we cannot encode. */
export function videoCodecChoiceOf(codec: Codec): VideoCodecChoice | undefined {
  return (Object.keys(VIDEO_CODECS) as VideoCodecChoice[]).find(
    (choice) => VIDEO_CODECS[choice].wire === codec,
  );
}

/** What VideoDecoder said it decodes (codec-support.ts), once probed; undefined: not probed. */
let decodable: ReadonlySet<Codec> | undefined;

/**
 * Received frames of codecs outside `codecs` are never handed to a decoder: WebKitGTK's web process
 * dies ("double free or corruption") when a VP9 decoder is configured without GStreamer's vp9parse,
 * and a publisher may send such frames until it learns what we decode.
 */
export function setDecodableVideoCodecs(codecs: readonly Codec[]): void {
  decodable = new Set(codecs);
}

/** The WebCodecs codec string for a received video track, or undefined if we cannot decode it. */
export function decoderCodecString(codec: Codec): string | undefined {
  if (decodable && !decodable.has(codec)) return undefined;
  switch (codec) {
    case Codec.VP8:
      return VIDEO_CODECS.vp8.codecString;
    case Codec.VP9:
      return VIDEO_CODECS.vp9.codecString;
    case Codec.H264:
      return VIDEO_CODECS.h264.codecString;
    case Codec.AV1:
      return VIDEO_CODECS.av1.codecString;
    default:
      return undefined;
  }
}

export const OPUS_SAMPLE_RATE_HZ = 48_000;
export const OPUS_FRAME_DURATION_US = 20_000;
