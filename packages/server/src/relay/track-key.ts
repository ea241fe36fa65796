/**
 * One number per (publisher session, track): session ids are u32 and track ids fit 16 bits
 * (MAX_TRACK_ID), so the key is exact below 2^48 and keys a Map or Set without allocating.
 */
export function trackKey(sessionId: number, trackId: number): number {
  return sessionId * 65536 + (trackId & 0xffff);
}

export function sessionOfTrackKey(key: number): number {
  return Math.floor(key / 65536);
}

export function trackOfTrackKey(key: number): number {
  return key % 65536;
}
