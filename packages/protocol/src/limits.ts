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

/** Why a TrackState cannot be accepted, or undefined when it can. Unknown enum values are allowed (newer peers). */
export function trackStateProblem(tracks: readonly { trackId: number }[]): string | undefined {
  if (tracks.length > MAX_TRACKS_PER_PARTICIPANT) {
    return `TrackState lists ${tracks.length} tracks; at most ${MAX_TRACKS_PER_PARTICIPANT} are allowed`;
  }
  const seen = new Set<number>();
  for (const track of tracks) {
    if (track.trackId === 0 || track.trackId > MAX_TRACK_ID)
      return `track id ${track.trackId} is out of range`;
    if (seen.has(track.trackId)) return `track id ${track.trackId} is listed twice`;
    seen.add(track.trackId);
  }
  return undefined;
}

/** Tracks one SetSubscriptions may list: a 16-tile page of camera, screen and audio tracks, with room. */
export const MAX_TRACK_SUBSCRIPTIONS = 256;
