import { Codec } from "./gen/videocall/v1/packet_pb.ts";

/**
 * What a participant that announces no video decoders (TrackState.video_decoders empty: a client
 * older than the field) is taken to decode: VP8 and VP9, what every client decoded before it (the
 * reference system decodes exactly these two). Codec negotiation: docs/protocol.md.
 */
export const DEFAULT_VIDEO_DECODERS: readonly Codec[] = [Codec.VP8, Codec.VP9];

/** Entries one TrackState.video_decoders may list: every codec of the enum, with room. */
export const MAX_VIDEO_DECODERS = 16;

/** Why a TrackState's video_decoders cannot be accepted, or undefined (unknown codec numbers are fine: newer peers). */
export function videoDecodersProblem(decoders: readonly number[]): string | undefined {
  if (decoders.length > MAX_VIDEO_DECODERS)
    return `TrackState lists ${decoders.length} video decoders; at most ${MAX_VIDEO_DECODERS} are allowed`;
  return undefined;
}

/** The decoders a participant announced, or DEFAULT_VIDEO_DECODERS when it announced none. */
export function effectiveVideoDecoders(announced: readonly Codec[] | undefined): readonly Codec[] {
  return announced && announced.length > 0 ? announced : DEFAULT_VIDEO_DECODERS;
}
