/**
 * Sending a media key to one peer so that only that peer can read it (pairwise key wrapping):
 *   shared   = ECDH(our identity, their identity)          (X25519 if both have it, else P-256)
 *   wrapKey  = HKDF-SHA256(shared, salt = "", info = label || curve || sender identity || recipient identity)
 *   message  = header || AES-256-GCM(wrapKey, iv = 12 random bytes, aad = header, media key)
 * The two identity public keys in `info`, in sender-then-recipient order, give each direction of
 * each pair its own key. Only the two key holders can compute it, so a message that opens also
 * proves which identity sent it. The relay forwards the message without being able to read it.
 *
 * Message layout (94 bytes): version (1) | curve (1) | sender id (4) | recipient id (4) | epoch (4)
 *   | iv (12) | ciphertext of the 32-byte media key + 16-byte tag (48). Integers big-endian.
 */
import { concatBytes, utf8 } from "./bytes.ts";
import {
  type AgreementCurve,
  type IdentityKeyPair,
  type IdentityPublicKey,
  sharedSecret,
} from "./identity.ts";
import { MEDIA_KEY_BYTES, type MediaKey } from "./media-key.ts";

const VERSION = 1;
const HEADER_BYTES = 14;
const IV_BYTES = 12;
export const KEY_WRAP_MESSAGE_BYTES = HEADER_BYTES + IV_BYTES + MEDIA_KEY_BYTES + 16;
const LABEL = utf8("videocall e2ee 1.0 key wrap");
/** How the wrapping key was made: a pairwise agreement over one of two curves, or the meeting passphrase. */
export type KeyWrapScheme = AgreementCurve | "passphrase";
const SCHEME_CODES: Record<KeyWrapScheme, number> = { passphrase: 0, X25519: 1, "P-256": 2 };
const SCHEMES: readonly KeyWrapScheme[] = ["passphrase", "X25519", "P-256"];

export interface KeyWrapHeader {
  senderId: number;
  /** 0 for a passphrase announcement, which is for everyone. */
  recipientId: number;
  epoch: number;
  scheme: KeyWrapScheme;
}

export type KeyWrapHeaderResult = { ok: true; header: KeyWrapHeader } | { ok: false; reason: "malformed" };

/** Reads the clear header, to find which channel a message belongs to before opening it. */
export function readKeyWrapHeader(message: Uint8Array): KeyWrapHeaderResult {
  if (message.length !== KEY_WRAP_MESSAGE_BYTES || message[0] !== VERSION)
    return { ok: false, reason: "malformed" };
  const scheme = SCHEMES[message[1]!];
  if (!scheme) return { ok: false, reason: "malformed" };
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  return {
    ok: true,
    header: {
      scheme,
      senderId: view.getUint32(2),
      recipientId: view.getUint32(6),
      epoch: view.getUint32(10),
    },
  };
}

/** Seals a media key under `wrapKey` (AES-256-GCM, fresh random IV, the header as AAD). */
export async function sealKeyWrap(
  wrapKey: CryptoKey,
  header: KeyWrapHeader,
  mediaKey: MediaKey,
): Promise<Uint8Array<ArrayBuffer>> {
  if (header.epoch !== mediaKey.epoch) throw new RangeError("header epoch differs from the key's");
  const headerBytes = new Uint8Array(HEADER_BYTES);
  const view = new DataView(headerBytes.buffer);
  headerBytes[0] = VERSION;
  headerBytes[1] = SCHEME_CODES[header.scheme];
  view.setUint32(2, header.senderId);
  view.setUint32(6, header.recipientId);
  view.setUint32(10, header.epoch);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: headerBytes },
    wrapKey,
    mediaKey.bytes,
  );
  return concatBytes(headerBytes, iv, new Uint8Array(sealed));
}

/** Opens a message whose header was read with `readKeyWrapHeader`. */
export async function openKeyWrap(
  wrapKey: CryptoKey,
  header: KeyWrapHeader,
  message: Uint8Array,
): Promise<UnwrapResult> {
  const bytes = new Uint8Array(message);
  try {
    const opened = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: bytes.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES),
        additionalData: bytes.subarray(0, HEADER_BYTES),
      },
      wrapKey,
      bytes.subarray(HEADER_BYTES + IV_BYTES),
    );
    return {
      ok: true,
      senderId: header.senderId,
      mediaKey: { epoch: header.epoch, bytes: new Uint8Array(opened) },
    };
  } catch {
    return { ok: false, reason: "authentication-failed" };
  }
}

export type UnwrapResult =
  | { ok: true; senderId: number; mediaKey: MediaKey }
  | { ok: false; reason: "malformed" | "wrong-channel" | "authentication-failed" };

/** One peer, both directions: wraps our keys for them and opens theirs for us. */
export class PairwiseChannel {
  readonly ownId: number;
  readonly peerId: number;
  readonly curve: AgreementCurve;
  readonly #sendKey: CryptoKey;
  readonly #receiveKey: CryptoKey;

  private constructor(
    ownId: number,
    peerId: number,
    curve: AgreementCurve,
    sendKey: CryptoKey,
    receiveKey: CryptoKey,
  ) {
    this.ownId = ownId;
    this.peerId = peerId;
    this.curve = curve;
    this.#sendKey = sendKey;
    this.#receiveKey = receiveKey;
  }

  /** Undefined when no key can be agreed with this public key (a bad point). */
  static async create(
    own: IdentityKeyPair,
    ownId: number,
    peer: IdentityPublicKey,
    peerId: number,
  ): Promise<PairwiseChannel | undefined> {
    const agreed = await sharedSecret(own, peer);
    if (!agreed) return undefined;
    const hkdfKey = await crypto.subtle.importKey("raw", agreed.secret, "HKDF", false, ["deriveKey"]);
    agreed.secret.fill(0);
    const derive = (from: Uint8Array, to: Uint8Array) =>
      crypto.subtle.deriveKey(
        {
          name: "HKDF",
          hash: "SHA-256",
          salt: new Uint8Array(0),
          info: concatBytes(LABEL, new Uint8Array([SCHEME_CODES[agreed.curve]]), from, to),
        },
        hkdfKey,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
    const [sendKey, receiveKey] = await Promise.all([
      derive(own.publicKey.bytes, peer.bytes),
      derive(peer.bytes, own.publicKey.bytes),
    ]);
    return new PairwiseChannel(ownId, peerId, agreed.curve, sendKey, receiveKey);
  }

  async wrap(mediaKey: MediaKey): Promise<Uint8Array<ArrayBuffer>> {
    const header = {
      scheme: this.curve,
      senderId: this.ownId,
      recipientId: this.peerId,
      epoch: mediaKey.epoch,
    };
    return await sealKeyWrap(this.#sendKey, header, mediaKey);
  }

  async unwrap(message: Uint8Array): Promise<UnwrapResult> {
    const read = readKeyWrapHeader(message);
    if (!read.ok) return read;
    const { header } = read;
    if (
      header.senderId !== this.peerId ||
      header.recipientId !== this.ownId ||
      header.scheme !== this.curve
    ) {
      return { ok: false, reason: "wrong-channel" };
    }
    return await openKeyWrap(this.#receiveKey, header, message);
  }
}
