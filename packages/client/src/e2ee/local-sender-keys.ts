/**
 * Our own media key as a sender, and its two ways forward:
 * - a participant joins: ratchet (HKDF) and hand the new key to the joiner only; everyone else
 *   computes the same step themselves, and the joiner cannot go back to earlier frames;
 * - a participant leaves or is removed: draw a fresh random key and wrap it for each one remaining;
 *   the leaver never gets it.
 * Both are two steps: `prepare…` gives the next key to distribute, `activate` starts encrypting
 * with it (RFC 9605 §4.4.1: make a key usable for decryption before anyone encrypts with it).
 */
import { generateMediaKey, type MediaKey, ratchetMediaKey } from "./media-key.ts";

export type KeyChangeListener = (key: MediaKey) => void;

export class LocalSenderKeys {
  readonly senderId: number;
  #current: MediaKey;
  readonly #listeners = new Set<KeyChangeListener>();

  constructor(senderId: number, initial: MediaKey = generateMediaKey(0)) {
    this.senderId = senderId;
    this.#current = initial;
  }

  get current(): MediaKey {
    return this.#current;
  }

  /** The key after a join: this one ratcheted forward. */
  async prepareRatchet(): Promise<MediaKey> {
    return await ratchetMediaKey(this.#current);
  }

  /** The key after a leave: fresh, unrelated to any earlier one. */
  prepareRotation(): MediaKey {
    return generateMediaKey(this.#current.epoch + 1);
  }

  /** Encrypt with `next` from now on; it must be the epoch right after the current one. */
  activate(next: MediaKey): void {
    if (next.epoch !== this.#current.epoch + 1) {
      throw new RangeError(`activate epoch ${next.epoch}, current ${this.#current.epoch}`);
    }
    this.#current = next;
    for (const listener of this.#listeners) listener(next);
  }

  onChange(listener: KeyChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
