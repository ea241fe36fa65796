/** Wire protocol version carried in Welcome.protocol_version. */
export const PROTOCOL_VERSION = 1;

/** Largest packet the relay accepts, in bytes. A 1080p VP9 key frame at 3 Mbps fits with room. */
export const MAX_PACKET_BYTES = 1024 * 1024;

/** Usernames and meeting ids: what fits in a URL path segment and a NATS subject token. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidName(value: string): boolean {
  return NAME_PATTERN.test(value);
}
