/**
 * The sender side of the frame-transform seam: one per outgoing track. Encrypts each encoded frame
 * under the sender's current media key, with the KID (sender, epoch, track slot) and a counter
 * per KID; switches key when `LocalSenderKeys` activates a new epoch (the new key's counter starts at 0,
 * which is safe because the key is new).
 */
import { composeKeyId } from "./key-id.ts";
import type { LocalSenderKeys } from "./local-sender-keys.ts";
import { SFrameEncryptor } from "./sframe-encryptor.ts";
import { deriveSFrameKey } from "./sframe-key.ts";

export type FrameEncryptResult =
  | { ok: true; ciphertext: Uint8Array<ArrayBuffer>; epoch: number }
  /** This key has encrypted all it may: rotate (`prepareRotation` + `activate`) and try again. */
  | { ok: false; reason: "key-exhausted" };

export class FrameEncryptor {
  readonly #keys: LocalSenderKeys;
  readonly #trackSlot: number;
  readonly #framesPerKey: bigint | undefined;
  #encryptor: { epoch: number; encryptor: Promise<SFrameEncryptor> } | undefined;

  constructor(keys: LocalSenderKeys, trackSlot: number, options: { framesPerKey?: bigint } = {}) {
    composeKeyId(keys.senderId, 0, trackSlot); // validates the slot now rather than at the first frame
    this.#keys = keys;
    this.#trackSlot = trackSlot;
    this.#framesPerKey = options.framesPerKey;
  }

  /** `metadata` is the routing information sent in clear beside the ciphertext; it is authenticated. */
  async encrypt(
    metadata: Uint8Array<ArrayBuffer>,
    plaintext: Uint8Array<ArrayBuffer>,
  ): Promise<FrameEncryptResult> {
    const key = this.#keys.current;
    if (this.#encryptor?.epoch !== key.epoch) {
      const keyId = composeKeyId(this.#keys.senderId, key.epoch, this.#trackSlot);
      const options = this.#framesPerKey === undefined ? {} : { framesPerKey: this.#framesPerKey };
      this.#encryptor = {
        epoch: key.epoch,
        encryptor: deriveSFrameKey(key.bytes, keyId).then(
          (sframeKey) => new SFrameEncryptor(sframeKey, options),
        ),
      };
    }
    const epoch = this.#encryptor.epoch;
    const result = await (await this.#encryptor.encryptor).encrypt(metadata, plaintext);
    return result.ok ? { ok: true, ciphertext: result.ciphertext, epoch } : result;
  }
}
