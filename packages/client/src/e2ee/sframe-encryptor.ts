/**
 * Encrypts a stream of frames under one SFrame key, with a counter that never repeats: RFC 9605
 * §4.3 requires each (KID, CTR) pair to be used once. The counter is taken before the (async)
 * encryption starts, so overlapping calls never share one, and the encryptor refuses, with a typed
 * result, before it reaches its limit: the owner must rotate to a new key first.
 */
import { sframeEncrypt } from "./sframe-cipher.ts";
import { MAX_UINT64 } from "./sframe-header.ts";
import type { SFrameKey } from "./sframe-key.ts";

/**
 * Frames per key before we insist on a new one. The header could count to 2^64, but AES-GCM's
 * safety margin shrinks with the number of encryptions under one key (CFRG AEAD usage limits); at
 * 60 frames a second per track 2^32 frames is over two years, so a rotation always comes first.
 */
export const DEFAULT_FRAMES_PER_KEY = 2n ** 32n;

export type SFrameEncryptResult =
  | { ok: true; ciphertext: Uint8Array<ArrayBuffer>; counter: bigint }
  | { ok: false; reason: "key-exhausted" };

export class SFrameEncryptor {
  readonly #key: SFrameKey;
  readonly #framesPerKey: bigint;
  #nextCounter = 0n;

  constructor(key: SFrameKey, options: { framesPerKey?: bigint } = {}) {
    const framesPerKey = options.framesPerKey ?? DEFAULT_FRAMES_PER_KEY;
    if (framesPerKey < 1n || framesPerKey - 1n > MAX_UINT64)
      throw new RangeError("framesPerKey out of range");
    this.#key = key;
    this.#framesPerKey = framesPerKey;
  }

  get keyId(): bigint {
    return this.#key.keyId;
  }

  /** Frames this key can still encrypt; rotate before it reaches 0. */
  get framesLeft(): bigint {
    return this.#framesPerKey - this.#nextCounter;
  }

  async encrypt(
    metadata: Uint8Array<ArrayBuffer>,
    plaintext: Uint8Array<ArrayBuffer>,
  ): Promise<SFrameEncryptResult> {
    if (this.#nextCounter >= this.#framesPerKey) return { ok: false, reason: "key-exhausted" };
    const counter = this.#nextCounter++;
    return { ok: true, ciphertext: await sframeEncrypt(this.#key, counter, metadata, plaintext), counter };
  }
}
