/**
 * Passphrase mode, for integrators and the CLI without identity key exchange: everyone who knows
 * the meeting's passphrase derives the same wrapping key, and each sender announces its own random
 * media key sealed under it (the key-wrap message, scheme "passphrase", recipient 0 = everyone).
 *
 * Why not derive each sender's media key from the passphrase directly: the sender id is the relay's
 * session id, which a hostile relay can hand out twice; a sender that restarts under the same id
 * would then reuse (key, nonce) pairs, which breaks AES-GCM. A random key per sender and session
 * cannot repeat.
 *
 * wrapKey = PBKDF2-HMAC-SHA256(passphrase, salt = "videocall e2ee 1.0 passphrase" || 0x00 || meeting id,
 *           600 000 iterations, 256 bits). 600 000 is OWASP's 2023 figure for PBKDF2-HMAC-SHA256; the
 * meeting id as salt means one precomputed table cannot serve every meeting. PBKDF2 is native Web
 * Crypto everywhere; Argon2id would resist GPUs better but needs WebAssembly in every worker.
 *
 * Limits: anyone with the passphrase reads everything, a leaver cannot be locked out, and a weak
 * passphrase can be guessed offline from one recorded announcement.
 */
import { concatBytes, utf8 } from "./bytes.ts";
import { openKeyWrap, readKeyWrapHeader, sealKeyWrap, type UnwrapResult } from "./key-wrap.ts";
import type { MediaKey } from "./media-key.ts";

export const PASSPHRASE_PBKDF2_ITERATIONS = 600_000;

export function passphraseSalt(meetingId: string): Uint8Array<ArrayBuffer> {
  return concatBytes(utf8("videocall e2ee 1.0 passphrase"), new Uint8Array([0]), utf8(meetingId));
}

export class PassphraseKeys {
  readonly #wrapKey: CryptoKey;

  private constructor(wrapKey: CryptoKey) {
    this.#wrapKey = wrapKey;
  }

  /** Slow on purpose (hundreds of ms): derive once per meeting. `iterations` is for tests only. */
  static async derive(
    passphrase: string,
    meetingId: string,
    iterations = PASSPHRASE_PBKDF2_ITERATIONS,
  ): Promise<PassphraseKeys> {
    const material = await crypto.subtle.importKey(
      "raw",
      utf8(passphrase.normalize("NFC")),
      "PBKDF2",
      false,
      ["deriveKey"],
    );
    const wrapKey = await crypto.subtle.deriveKey(
      { name: "PBKDF2", hash: "SHA-256", salt: passphraseSalt(meetingId), iterations },
      material,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
    return new PassphraseKeys(wrapKey);
  }

  async announce(senderId: number, mediaKey: MediaKey): Promise<Uint8Array<ArrayBuffer>> {
    return await sealKeyWrap(
      this.#wrapKey,
      { scheme: "passphrase", senderId, recipientId: 0, epoch: mediaKey.epoch },
      mediaKey,
    );
  }

  /** `fromSessionId` is the relay's stamp on the message: an announcement names its own sender. */
  async open(fromSessionId: number, message: Uint8Array): Promise<UnwrapResult> {
    const read = readKeyWrapHeader(message);
    if (!read.ok) return read;
    if (
      read.header.scheme !== "passphrase" ||
      read.header.recipientId !== 0 ||
      read.header.senderId !== fromSessionId
    ) {
      return { ok: false, reason: "wrong-channel" };
    }
    return await openKeyWrap(this.#wrapKey, read.header, message);
  }
}
