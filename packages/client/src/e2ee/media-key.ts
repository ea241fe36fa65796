/**
 * A sender's media key: the SFrame base_key for one epoch. Each sender draws its own at random;
 * on a join it ratchets forward (so the joiner cannot read what came before), on a leave it draws
 * a fresh one (so the leaver cannot read what comes after).
 */
import { concatBytes, utf8 } from "./bytes.ts";
import { type BaseKey, importBaseKey } from "./sframe-key.ts";

export const MEDIA_KEY_BYTES = 32;
const MAX_EPOCH = 0xffff_ffff;
const RATCHET_LABEL = utf8("videocall e2ee 1.0 ratchet");

export interface MediaKey {
  /** Counts the sender's keys: 0 first, +1 at each ratchet or rotation (uint32). */
  readonly epoch: number;
  readonly bytes: Uint8Array<ArrayBuffer>;
}

export function generateMediaKey(epoch = 0): MediaKey {
  checkEpoch(epoch);
  return { epoch, bytes: crypto.getRandomValues(new Uint8Array(MEDIA_KEY_BYTES)) };
}

/**
 * The next epoch's key, HKDF-SHA256(ikm = this key, salt = "", info = label || next epoch):
 * anyone with this key can compute the next one, nobody with the next one can go back.
 */
export async function ratchetBaseKey(baseKey: BaseKey, nextEpoch: number): Promise<Uint8Array<ArrayBuffer>> {
  checkEpoch(nextEpoch);
  const key = baseKey instanceof Uint8Array ? await importBaseKey(baseKey) : baseKey;
  const info = new Uint8Array(4);
  new DataView(info.buffer).setUint32(0, nextEpoch);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: concatBytes(RATCHET_LABEL, info) },
    key,
    MEDIA_KEY_BYTES * 8,
  );
  return new Uint8Array(bits);
}

export async function ratchetMediaKey(key: MediaKey): Promise<MediaKey> {
  const epoch = key.epoch + 1;
  return { epoch, bytes: await ratchetBaseKey(key.bytes, epoch) };
}

function checkEpoch(epoch: number): void {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) throw new RangeError(`epoch ${epoch}`);
}
