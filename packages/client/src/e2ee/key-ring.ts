/**
 * A receiver's keys for every remote sender: the current epoch, and the previous one for a short
 * overlap after a switch so frames still in flight under the old key decode (no glitch). A KID
 * whose epoch is one past the current one may be the sender's join ratchet, which every holder
 * of the current key can compute itself: the ring offers that key as a candidate, and the decryptor
 * promotes it only once a frame under it authenticates. Anything else unknown is "waiting for keys".
 */

import { parseKeyId } from "./key-id.ts";
import { type MediaKey, ratchetBaseKey } from "./media-key.ts";
import { deriveSFrameKey, importBaseKey, type SFrameKey } from "./sframe-key.ts";

/** How long a replaced key still decrypts: long enough for frames in flight and jitter buffers. */
export const DEFAULT_KEY_OVERLAP_MS = 5_000;
/**
 * How many join ratchets ahead of the current key a KID may be and still be tried: several people
 * joining while a sender sends nothing (camera off, muted) move it several steps at once.
 */
export const MAX_RATCHET_STEPS = 8;

interface EpochKeys {
  epoch: number;
  baseKey: CryptoKey;
  /** SFrame keys derived so far, per KID (one per track slot). */
  sframeKeys: Map<bigint, Promise<SFrameKey>>;
  /** When a replaced key stops decrypting; undefined for the current key. */
  expiresAtMs: number | undefined;
}

interface SenderKeys {
  current: EpochKeys;
  previous: EpochKeys | undefined;
  /** current ratcheted 1, 2, … times, made on demand for a KID that many epochs ahead. */
  ratchetCandidates: Promise<EpochKeys>[];
}

export type KeyLookup =
  | { kind: "key"; key: SFrameKey; senderId: number; epoch: number; ratchetCandidate: boolean }
  | { kind: "waiting-for-keys"; senderId: number }
  | { kind: "foreign-key-id" };

export type SetKeyResult = "installed" | "replaced" | "stale";

export interface ReceiverKeyRingOptions {
  overlapMs?: number;
  now?: () => number;
}

export class ReceiverKeyRing {
  readonly #senders = new Map<number, SenderKeys>();
  readonly #overlapMs: number;
  readonly #now: () => number;

  constructor(options: ReceiverKeyRingOptions = {}) {
    this.#overlapMs = options.overlapMs ?? DEFAULT_KEY_OVERLAP_MS;
    this.#now = options.now ?? (() => Date.now());
  }

  /** A key a sender gave us (unwrapped from its key message). Older than what we hold: ignored. */
  async setKey(senderId: number, mediaKey: MediaKey): Promise<SetKeyResult> {
    const entry = epochKeys(mediaKey.epoch, await importBaseKey(mediaKey.bytes));
    const sender = this.#senders.get(senderId);
    if (!sender) {
      this.#senders.set(senderId, { current: entry, previous: undefined, ratchetCandidates: [] });
      return "installed";
    }
    if (mediaKey.epoch === sender.current.epoch) {
      sender.current = entry;
      sender.ratchetCandidates = [];
      return "replaced";
    }
    if (mediaKey.epoch < sender.current.epoch) return "stale";
    this.#advance(sender, entry);
    return "installed";
  }

  /** Forgets a sender (it left): its keys decrypt nothing more. */
  removeSender(senderId: number): void {
    this.#senders.delete(senderId);
  }

  hasSender(senderId: number): boolean {
    return this.#senders.has(senderId);
  }

  /** The current epoch we hold for a sender. */
  currentEpoch(senderId: number): number | undefined {
    return this.#senders.get(senderId)?.current.epoch;
  }

  async lookup(keyId: bigint): Promise<KeyLookup> {
    const parts = parseKeyId(keyId);
    if (!parts) return { kind: "foreign-key-id" };
    const sender = this.#senders.get(parts.senderId);
    if (!sender) return { kind: "waiting-for-keys", senderId: parts.senderId };
    const now = this.#now();
    if (sender.previous?.expiresAtMs !== undefined && sender.previous.expiresAtMs <= now)
      sender.previous = undefined;
    for (const entry of [sender.current, sender.previous]) {
      if (entry && (entry.epoch & 0xff) === parts.epochByte) {
        return {
          kind: "key",
          key: await sframeKey(entry, keyId),
          senderId: parts.senderId,
          epoch: entry.epoch,
          ratchetCandidate: false,
        };
      }
    }
    const steps = (parts.epochByte - sender.current.epoch) & 0xff;
    if (steps >= 1 && steps <= MAX_RATCHET_STEPS) {
      const candidate = await ratchetCandidate(sender, steps);
      return {
        kind: "key",
        key: await sframeKey(candidate, keyId),
        senderId: parts.senderId,
        epoch: candidate.epoch,
        ratchetCandidate: true,
      };
    }
    return { kind: "waiting-for-keys", senderId: parts.senderId };
  }

  /** A frame under a ratchet candidate authenticated: the sender has ratcheted, so do we. */
  async confirmRatchet(senderId: number, epoch: number): Promise<void> {
    const sender = this.#senders.get(senderId);
    const steps = epoch - (sender?.current.epoch ?? epoch);
    if (!sender || steps < 1 || steps > sender.ratchetCandidates.length) return;
    const candidate = await sender.ratchetCandidates[steps - 1]!;
    if (candidate.epoch !== epoch || sender.current.epoch + steps !== epoch) return;
    this.#advance(sender, candidate);
  }

  #advance(sender: SenderKeys, next: EpochKeys): void {
    sender.current.expiresAtMs = this.#now() + this.#overlapMs;
    // RFC 9605 §5.2: an old epoch goes when a new one with the same low bits (those in the KID) comes.
    sender.previous = ((sender.current.epoch ^ next.epoch) & 0xff) === 0 ? undefined : sender.current;
    sender.current = next;
    sender.ratchetCandidates = [];
  }
}

/** The sender's current key ratcheted `steps` times, each step computed once. */
function ratchetCandidate(sender: SenderKeys, steps: number): Promise<EpochKeys> {
  const chain = sender.ratchetCandidates;
  while (chain.length < steps) {
    const before = chain.length === 0 ? Promise.resolve(sender.current) : chain[chain.length - 1]!;
    chain.push(before.then(ratchetEntry));
  }
  return chain[steps - 1]!;
}

function epochKeys(epoch: number, baseKey: CryptoKey): EpochKeys {
  return { epoch, baseKey, sframeKeys: new Map(), expiresAtMs: undefined };
}

async function ratchetEntry(entry: EpochKeys): Promise<EpochKeys> {
  const bytes = await ratchetBaseKey(entry.baseKey, entry.epoch + 1);
  const baseKey = await importBaseKey(bytes);
  bytes.fill(0);
  return epochKeys(entry.epoch + 1, baseKey);
}

function sframeKey(entry: EpochKeys, keyId: bigint): Promise<SFrameKey> {
  let key = entry.sframeKeys.get(keyId);
  if (!key) {
    key = deriveSFrameKey(entry.baseKey, keyId);
    entry.sframeKeys.set(keyId, key);
  }
  return key;
}
