/**
 * The receiver side of the frame-transform seam: one per meeting. Every frame ends as exactly one
 * typed outcome: decrypted, waiting for the sender's key (show "waiting for keys", keep the frame
 * out of the decoder), or dropped with a reason (count it; ask for a key frame).
 *
 * Order of checks: header, sender, key, replay window, AEAD; the window only learns a counter
 * after the frame authenticated, so forged frames cannot push real ones out.
 */

import { parseKeyId } from "./key-id.ts";
import type { ReceiverKeyRing } from "./key-ring.ts";
import { DEFAULT_REPLAY_WINDOW, ReplayWindow } from "./replay-window.ts";
import { parseSFrameCiphertext, sframeOpen } from "./sframe-cipher.ts";

export type FrameDropReason =
  /** Not an SFrame ciphertext: bad header, or too short for a tag. */
  | "malformed"
  /** The KID names another sender than the relay's routing stamp, or is not one of our KIDs. */
  | "sender-mismatch"
  | "replayed"
  | "too-old"
  /** A key was there but the frame does not authenticate under it: tampered (or a bug). */
  | "authentication-failed";

export type FrameDecryptResult =
  | { kind: "frame"; plaintext: Uint8Array<ArrayBuffer>; senderId: number; epoch: number }
  | { kind: "waiting-for-keys"; senderId: number }
  | { kind: "dropped"; reason: FrameDropReason };

export interface FrameDecryptorStats {
  decrypted: number;
  waitingForKeys: number;
  dropped: Record<FrameDropReason, number>;
}

/**
 * Replay windows kept at most (one per KID that has authenticated a frame), least recently used
 * dropped first: those belong to keys long replaced, whose frames no longer decrypt anyway.
 */
const MAX_REPLAY_WINDOWS = 4096;

export class FrameDecryptor {
  readonly #ring: ReceiverKeyRing;
  readonly #windowSize: number;
  /** Per KID, for the epoch it was made for: after 256 epochs a KID comes back with a new key. */
  readonly #windows = new Map<bigint, { epoch: number; window: ReplayWindow }>();
  readonly #stats: FrameDecryptorStats = {
    decrypted: 0,
    waitingForKeys: 0,
    dropped: { malformed: 0, "sender-mismatch": 0, replayed: 0, "too-old": 0, "authentication-failed": 0 },
  };

  constructor(ring: ReceiverKeyRing, options: { replayWindow?: number } = {}) {
    this.#ring = ring;
    this.#windowSize = options.replayWindow ?? DEFAULT_REPLAY_WINDOW;
  }

  get stats(): FrameDecryptorStats {
    return structuredClone(this.#stats);
  }

  /** `fromSessionId` is the relay's routing stamp; `metadata` the clear routing bytes that were authenticated. */
  async decrypt(
    fromSessionId: number,
    metadata: Uint8Array<ArrayBuffer>,
    ciphertext: Uint8Array<ArrayBuffer>,
  ): Promise<FrameDecryptResult> {
    const parsed = parseSFrameCiphertext(ciphertext);
    if (!parsed.ok) return this.#drop("malformed");
    const { header } = parsed;
    // Checked before any key work, so frames passed off as another sender's cost nothing.
    if (parseKeyId(header.keyId)?.senderId !== fromSessionId) return this.#drop("sender-mismatch");
    const lookup = await this.#ring.lookup(header.keyId);
    if (lookup.kind === "foreign-key-id") return this.#drop("sender-mismatch");
    if (lookup.kind === "waiting-for-keys") return this.#waiting(lookup.senderId);

    const known = this.#windows.get(header.keyId);
    const replay = known?.epoch === lookup.epoch ? known.window.check(header.counter) : "fresh";
    if (replay !== "fresh") return this.#drop(replay);

    const opened = await sframeOpen(lookup.key, header, metadata, ciphertext);
    if (!opened.ok) {
      // A guessed join ratchet that does not fit means the sender rotated instead: its key is on the way.
      return lookup.ratchetCandidate ? this.#waiting(lookup.senderId) : this.#drop("authentication-failed");
    }
    // Decryption is async: a copy of this frame may have been accepted meanwhile.
    if (!this.#window(header.keyId, lookup.epoch).accept(header.counter)) return this.#drop("replayed");
    if (lookup.ratchetCandidate) await this.#ring.confirmRatchet(lookup.senderId, lookup.epoch);
    this.#stats.decrypted++;
    return { kind: "frame", plaintext: opened.plaintext, senderId: lookup.senderId, epoch: lookup.epoch };
  }

  /** The window of an authenticated KID, made on first use and moved to the young end of the LRU order. */
  #window(keyId: bigint, epoch: number): ReplayWindow {
    let entry = this.#windows.get(keyId);
    if (entry) this.#windows.delete(keyId);
    else if (this.#windows.size >= MAX_REPLAY_WINDOWS)
      this.#windows.delete(this.#windows.keys().next().value!);
    if (entry?.epoch !== epoch) entry = { epoch, window: new ReplayWindow(this.#windowSize) };
    this.#windows.set(keyId, entry);
    return entry.window;
  }

  #drop(reason: FrameDropReason): FrameDecryptResult {
    this.#stats.dropped[reason]++;
    return { kind: "dropped", reason };
  }

  #waiting(senderId: number): FrameDecryptResult {
    this.#stats.waitingForKeys++;
    return { kind: "waiting-for-keys", senderId };
  }
}
