/**
 * The newest wire protocol version this code speaks, carried in Welcome.protocol_version when
 * negotiated. v2 added Join (body 12), Goodbye.close_code and the extension body ranges; v3 makes
 * each WebSocket message from the relay a batch of length-prefixed packets (packet-batch.ts).
 */
export const PROTOCOL_VERSION = 3;
/** The oldest version still spoken: a v1 client (no Join, no subprotocol) is admitted as v1. */
export const MIN_PROTOCOL_VERSION = 1;

/** A range of protocol versions, both ends included. */
export interface ProtocolVersionRange {
  min: number;
  max: number;
}

/** The highest version in both ranges, or undefined when they do not overlap. */
export function negotiateProtocolVersion(
  offered: ProtocolVersionRange,
  spoken: ProtocolVersionRange = { min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION },
): number | undefined {
  const version = Math.min(offered.max, spoken.max);
  return version >= Math.max(offered.min, spoken.min) ? version : undefined;
}

/** Largest packet the relay accepts, in bytes. A 1080p VP9 key frame at 3 Mbps fits with room. */
export const MAX_PACKET_BYTES = 1024 * 1024;

/** Usernames and meeting ids: what fits in a URL path segment and a NATS subject token. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidName(value: string): boolean {
  return NAME_PATTERN.test(value);
}

/** Tracks one participant may announce: camera, microphone, screen and its audio, simulcast layers, with room. */
export const MAX_TRACKS_PER_PARTICIPANT = 16;
/** Track ids are 16-bit: the relay keys per-track state on (session id, track id) in one number. */
export const MAX_TRACK_ID = 0xffff;

/** Simulcast layers one video track may announce (TrackInfo.layers). */
export const MAX_VIDEO_LAYERS = 4;
/** Largest layer (and subscribed tile) side the relay accepts, in pixels: 8K with room. */
export const MAX_VIDEO_SIDE_PX = 16384;
/** Largest layer bitrate a TrackInfo may announce: far above any camera or screen. */
export const MAX_LAYER_BITRATE_BPS = 100_000_000;

/** What trackStateProblem reads of a track: the generated TrackInfo, or anything shaped like it. */
export interface CheckedTrackInfo {
  trackId: number;
  kind?: number;
  layers?: readonly { layer: number; widthPx: number; heightPx: number; bitrateBps: number }[];
}

/**
 * Why a TrackState cannot be accepted, or undefined when it can. Unknown enum values are allowed
 * (newer peers). Simulcast layers: at most MAX_VIDEO_LAYERS, listed lowest first with `layer` equal
 * to the index, sides and bitrates within bounds, only on video or screen tracks (kind 2, 3).
 */
export function trackStateProblem(tracks: readonly CheckedTrackInfo[]): string | undefined {
  if (tracks.length > MAX_TRACKS_PER_PARTICIPANT) {
    return `TrackState lists ${tracks.length} tracks; at most ${MAX_TRACKS_PER_PARTICIPANT} are allowed`;
  }
  const seen = new Set<number>();
  for (const track of tracks) {
    if (track.trackId === 0 || track.trackId > MAX_TRACK_ID)
      return `track id ${track.trackId} is out of range`;
    if (seen.has(track.trackId)) return `track id ${track.trackId} is listed twice`;
    seen.add(track.trackId);
    const problem = layersProblem(track);
    if (problem) return problem;
  }
  return undefined;
}

function layersProblem(track: CheckedTrackInfo): string | undefined {
  const layers = track.layers;
  if (!layers || layers.length === 0) return undefined;
  if (track.kind !== 2 && track.kind !== 3) return `track ${track.trackId} has layers but is not video`;
  if (layers.length > MAX_VIDEO_LAYERS) {
    return `track ${track.trackId} lists ${layers.length} layers; at most ${MAX_VIDEO_LAYERS} are allowed`;
  }
  for (let index = 0; index < layers.length; index++) {
    const layer = layers[index]!;
    if (layer.layer !== index)
      return `track ${track.trackId} lists layer ${layer.layer} at position ${index}`;
    if (
      layer.widthPx > MAX_VIDEO_SIDE_PX ||
      layer.heightPx > MAX_VIDEO_SIDE_PX ||
      layer.bitrateBps > MAX_LAYER_BITRATE_BPS
    ) {
      return `track ${track.trackId} layer ${index} is out of bounds (${layer.widthPx}x${layer.heightPx}, ${layer.bitrateBps} bps)`;
    }
  }
  return undefined;
}

/** Tracks one SetSubscriptions may list: a 16-tile page of camera, screen and audio tracks, with room. */
export const MAX_TRACK_SUBSCRIPTIONS = 256;

/** Longest chat message, in UTF-16 code units (what JavaScript's `length` counts). */
export const MAX_CHAT_TEXT_CHARS = 2000;
/** Longest E2EE chat message: the sealed text of MAX_CHAT_TEXT_CHARS (UTF-8, up to 3 bytes each) plus its header and tag. */
export const MAX_CHAT_SEALED_BYTES = MAX_CHAT_TEXT_CHARS * 3 + 64;
/** Longest ChatSend.client_message_id. */
export const MAX_CHAT_CLIENT_ID_CHARS = 64;
/** Most messages a joiner gets in its ChatHistory (the most recent it may see). */
export const MAX_CHAT_HISTORY_MESSAGES = 200;
/** Each participant's chat token bucket: a burst of this many messages... */
export const CHAT_BURST_MESSAGES = 10;
/** ...refilled at this rate. Over it, a ChatSend is refused (RATE_LIMITED), never closed. */
export const CHAT_MESSAGES_PER_SECOND = 1;
