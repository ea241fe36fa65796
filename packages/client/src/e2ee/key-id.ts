/**
 * How we fill the 64-bit SFrame KID: `senderId << 12 | (epoch mod 256) << 4 | trackSlot`.
 * - senderId: the relay's 32-bit session id of the sender; the receiver checks it against the
 *   routing stamp, so a relay cannot pass one sender's frames off as another's.
 * - epoch mod 256: which of the sender's keys; receivers keep at most two epochs, so 8 bits never
 *   make two live keys look alike.
 * - trackSlot (0..15): each of a sender's tracks gets its own KID, hence its own derived SFrame key
 *   and salt and its own counter, so two encoders never share a nonce under one base key.
 * Typical KIDs take 5-6 bytes in the header. The shape follows RFC 9605 §5.2's
 * `(context << (S+E)) + (sender_index << E) + (epoch mod 2^E)`, with the track slot at the bottom.
 */

export const TRACK_SLOTS = 16;
export const EPOCH_BITS = 8;

export interface KeyIdParts {
  senderId: number;
  /** The epoch modulo 256. */
  epochByte: number;
  trackSlot: number;
}

export function composeKeyId(senderId: number, epoch: number, trackSlot: number): bigint {
  if (!Number.isInteger(senderId) || senderId < 0 || senderId > 0xffff_ffff)
    throw new RangeError(`senderId ${senderId}`);
  if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`epoch ${epoch}`);
  if (!Number.isInteger(trackSlot) || trackSlot < 0 || trackSlot >= TRACK_SLOTS)
    throw new RangeError(`trackSlot ${trackSlot}`);
  return (BigInt(senderId) << 12n) | (BigInt(epoch & 0xff) << 4n) | BigInt(trackSlot);
}

/** Splits a KID from a header; undefined when it cannot be one of ours (more than 44 bits). */
export function parseKeyId(keyId: bigint): KeyIdParts | undefined {
  if (keyId < 0n || keyId >> 44n !== 0n) return undefined;
  return {
    senderId: Number(keyId >> 12n),
    epochByte: Number((keyId >> 4n) & 0xffn),
    trackSlot: Number(keyId & 0xfn),
  };
}
