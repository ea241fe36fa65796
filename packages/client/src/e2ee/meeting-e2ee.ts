/**
 * End-to-end encryption for one meeting session, on the page (or in Deno): owns this participant's
 * identity and media keys, exchanges keys with the others through the relay without trusting it
 * (E2eeAnnounce, body 32; E2eeKey, body 48), and hands keys to the SFrame frame transforms that run
 * in the encoder and decoder workers (`frameTransform`, one MessagePort per instance).
 *
 * Key exchange ("exchange" mode): a joiner announces its identity public key; everyone who hears
 * it ratchets its own media key forward (HKDF) and sends the ratcheted key wrapped for the joiner
 * only, with its own identity; the joiner answers each with its own key. When anyone leaves (for
 * any reason: left, timed out, kicked), every remaining sender rotates to a fresh random key,
 * wrapped for each remaining peer, never for the leaver. New keys are sent first and used for
 * encryption a moment later (RFC 9605 §4.4.1), and receivers keep the previous key for an overlap.
 *
 * Passphrase mode: each sender's random media key is sealed under a key derived from the meeting
 * passphrase and announced to everyone (and to each later joiner). See docs/e2ee.md.
 */

import { TypedEmitter } from "../emitter.ts";
import type { FrameTransformConfig } from "../media/transform/frame-transform.ts";
import { openChatText, sealChatText } from "./chat-seal.ts";
import type { FrameDecryptorStats, FrameDropReason } from "./frame-decryptor.ts";
import { decodeIdentityPublicKey, generateIdentity, type IdentityKeyPair } from "./identity.ts";
import { TRACK_SLOTS } from "./key-id.ts";
import { PairwiseChannel, readKeyWrapHeader } from "./key-wrap.ts";
import { LocalSenderKeys } from "./local-sender-keys.ts";
import { generateMediaKey, type MediaKey } from "./media-key.ts";
import { PassphraseKeys } from "./passphrase.ts";
import { type SafetyNumber, safetyNumber } from "./safety-number.ts";
import type { FromSFrameTransform, ToSFrameTransform } from "./transform-port-messages.ts";

/** How a session encrypts: keys exchanged with each peer, or derived from a shared passphrase. */
export type E2eeOptions =
  | {
      mode: "exchange";
      /** A kept identity (the web app stores one in IndexedDB so safety numbers stay the same); default: a fresh one. */
      identity?: IdentityKeyPair;
    }
  | {
      mode: "passphrase";
      passphrase: string;
      /** PBKDF2 iterations (default 600 000); lower only in tests. */
      iterations?: number;
    };

/** The part of a MeetingSession that E2EE needs (MeetingSession implements it). */
export interface E2eeSignalling {
  readonly meetingId: string;
  readonly sessionId: number;
  readonly participants: ReadonlyMap<number, { readonly sessionId: number }>;
  sendE2eeAnnounce(announce: { identityPublicKey?: Uint8Array; sealedKey?: Uint8Array }): void;
  sendE2eeKey(targetSessionId: number, key: { keyMessage: Uint8Array; identityPublicKey?: Uint8Array }): void;
}

/** What this client knows about one peer's end-to-end encryption. */
export interface PeerE2eeState {
  sessionId: number;
  /** The peer's identity public key (exchange mode), once it came. */
  identityPublicKey: Uint8Array<ArrayBuffer> | undefined;
  /** We hold a media key of the peer's: its frames can decrypt. */
  hasKey: boolean;
  /** The epoch of the peer's key we hold (a ratchet it made since is followed by the decoders). */
  keyEpoch: number | undefined;
  /** The peer's identity key changed during this session (a relay substituting keys looks like this). */
  identityChanged: boolean;
}

export interface E2eeStats {
  mode: E2eeOptions["mode"];
  /** Our sender key's epoch; +1 at every ratchet (join) and rotation (leave). */
  epoch: number;
  rotations: number;
  ratchets: number;
  keyMessagesSent: number;
  keyMessagesReceived: number;
  /** Key messages that did not open (tampered, not for us, wrong passphrase) or did not parse. */
  keyMessagesRejected: number;
  /** Summed over every decode transform instance, closed ones included. */
  framesDecrypted: number;
  framesWaitingForKeys: number;
  framesDropped: Record<FrameDropReason, number>;
}

export type E2eeEvents = {
  /** A peer's key state changed (identity learned or changed, key received). */
  peerChanged: (peer: PeerE2eeState) => void;
  /** Our own sender key moved to a new epoch (encoders switched to it). */
  keyActivated: (epoch: number, cause: "join" | "leave" | "session") => void;
};

/** Key changes within this long are handled as one (several joins or leaves at once). */
const BATCH_DELAY_MS = 20;
/** New keys are sent, then used this much later, so receivers hold them before frames need them. */
export const KEY_ACTIVATION_DELAY_MS = 100;

interface PeerRecord {
  state: PeerE2eeState;
  channel: PairwiseChannel | undefined;
}

/** One SFrame transform instance's channel; its direction is known once it says hello. */
interface TransformPort {
  port: MessagePort;
  direction: "unknown" | "encode" | "decode";
  /** Encoders: the track slot of their KIDs. */
  trackSlot: number | undefined;
  /** Decoders: their last stats report. */
  stats: FrameDecryptorStats;
}

export class MeetingE2ee {
  readonly events = new TypedEmitter<E2eeEvents>();
  readonly mode: E2eeOptions["mode"];
  /** Resolves once the identity (or the passphrase key) is ready. */
  readonly ready: Promise<void>;
  readonly #signalling: E2eeSignalling;
  readonly #moduleUrl: string;
  #identity: IdentityKeyPair | undefined;
  #passphrase: PassphraseKeys | undefined;
  #keys: LocalSenderKeys | undefined;
  readonly #peers = new Map<number, PeerRecord>();
  /** The current key of every remote sender we hold, replayed to decode transforms made later. */
  readonly #receivedKeys = new Map<number, MediaKey>();
  readonly #ports = new Set<TransformPort>();
  /** Track slots used at the current sender key (a slot must not restart its counter under one key). */
  #slotsUsed = new Set<number>();
  #pendingJoiners = new Set<number>();
  #pendingRotation = false;
  #batchTimer: ReturnType<typeof setTimeout> | undefined;
  /** Every key operation runs in order, after `ready`. */
  #chain: Promise<void>;
  #closed = false;
  readonly #retiredStats: FrameDecryptorStats = emptyDecryptorStats();
  readonly #stats = {
    rotations: 0,
    ratchets: 0,
    keyMessagesSent: 0,
    keyMessagesReceived: 0,
    keyMessagesRejected: 0,
  };

  constructor(signalling: E2eeSignalling, options: E2eeOptions, moduleUrl: string = SFRAME_TRANSFORM_URL) {
    this.#signalling = signalling;
    this.mode = options.mode;
    this.#moduleUrl = moduleUrl;
    this.ready =
      options.mode === "exchange"
        ? (options.identity ? Promise.resolve(options.identity) : generateIdentity()).then((identity) => {
            this.#identity = identity;
          })
        : PassphraseKeys.derive(options.passphrase, signalling.meetingId, options.iterations).then((keys) => {
            this.#passphrase = keys;
          });
    this.#chain = this.ready;
  }

  /** Give this to publishers and watchers: the SFrame transform, one key channel per instance. */
  get frameTransform(): FrameTransformConfig {
    return { moduleUrl: this.#moduleUrl, connect: () => this.#connectPort() };
  }

  /** Our identity public key (exchange mode, once ready): what peers' safety numbers cover. */
  get identityPublicKey(): Uint8Array<ArrayBuffer> | undefined {
    return this.#identity?.publicKey.bytes;
  }

  /** The epoch we encrypt with now. */
  get epoch(): number {
    return this.#keys?.current.epoch ?? 0;
  }

  /** Seals a chat message with our current media key (chat-seal.ts); waits for the key after a (re)join. */
  async sealChat(text: string): Promise<Uint8Array<ArrayBuffer>> {
    await this.#chain;
    const key = this.#keys?.current;
    if (!key) throw new Error("no media key yet");
    return await sealChatText(key, this.#signalling.meetingId, text);
  }

  /** Opens a peer's sealed chat message with the key we hold for it; undefined when we cannot. */
  async openChat(fromSessionId: number, sealed: Uint8Array): Promise<string | undefined> {
    await this.#chain;
    const key =
      fromSessionId === this.#signalling.sessionId
        ? this.#keys?.current
        : this.#receivedKeys.get(fromSessionId);
    return key ? await openChatText(key, this.#signalling.meetingId, sealed) : undefined;
  }

  peers(): PeerE2eeState[] {
    return [...this.#peers.values()].map((peer) => ({ ...peer.state }));
  }

  peer(sessionId: number): PeerE2eeState | undefined {
    const peer = this.#peers.get(sessionId);
    return peer ? { ...peer.state } : undefined;
  }

  /** The safety number shared with a peer (exchange mode, once its identity came). */
  async safetyNumber(sessionId: number): Promise<SafetyNumber | undefined> {
    const own = this.#identity?.publicKey.bytes;
    const theirs = this.#peers.get(sessionId)?.state.identityPublicKey;
    return own && theirs ? await safetyNumber(own, theirs) : undefined;
  }

  stats(): E2eeStats {
    const total = emptyDecryptorStats();
    addDecryptorStats(total, this.#retiredStats);
    for (const entry of this.#ports) addDecryptorStats(total, entry.stats);
    return {
      mode: this.mode,
      epoch: this.epoch,
      ...this.#stats,
      framesDecrypted: total.decrypted,
      framesWaitingForKeys: total.waitingForKeys,
      framesDropped: total.dropped,
    };
  }

  /** Resolves when every key operation queued so far has finished (tests, benchmarks). */
  async settled(): Promise<void> {
    for (;;) {
      const chain = this.#chain;
      await chain;
      if (chain === this.#chain && this.#batchTimer === undefined) return;
      if (this.#batchTimer !== undefined) await new Promise((resolve) => setTimeout(resolve, BATCH_DELAY_MS));
    }
  }

  // --- Called by the session -------------------------------------------------------------------

  /** A Welcome: a new session id (first join or reconnect), so a fresh sender key, announced. */
  welcomed(): void {
    this.#enqueue(async () => {
      const sessionId = this.#signalling.sessionId;
      this.#keys = new LocalSenderKeys(sessionId, generateMediaKey(0));
      this.#slotsUsed = new Set();
      this.#pendingJoiners.clear();
      this.#pendingRotation = false;
      // Channels name our old session id; the peers treat us as a newcomer and answer afresh.
      for (const peer of this.#peers.values()) peer.channel = undefined;
      for (const id of [...this.#peers.keys()]) {
        if (!this.#signalling.participants.has(id)) this.#forgetPeer(id);
      }
      for (const entry of this.#encoders()) {
        entry.trackSlot = undefined;
        this.#giveSlot(entry);
      }
      if (this.#identity) {
        this.#signalling.sendE2eeAnnounce({ identityPublicKey: this.#identity.publicKey.bytes });
      } else if (this.#passphrase) {
        this.#signalling.sendE2eeAnnounce({
          sealedKey: await this.#passphrase.announce(sessionId, this.#keys.current),
        });
      }
      this.#stats.keyMessagesSent++;
      this.events.emit("keyActivated", 0, "session");
    });
  }

  participantJoined(sessionId: number): void {
    // Passphrase mode: the newcomer needs our key; key exchange waits for its identity announcement.
    if (this.mode !== "passphrase") return;
    this.#enqueue(async () => {
      if (!this.#keys || !this.#passphrase) return;
      const sealed = await this.#passphrase.announce(this.#keys.senderId, this.#keys.current);
      this.#sendKey(sessionId, sealed);
    });
  }

  participantLeft(sessionId: number): void {
    this.#enqueue(async () => {
      this.#forgetPeer(sessionId);
      this.#pendingJoiners.delete(sessionId);
      // The leaver knew the passphrase: rotating in passphrase mode would lock nobody out.
      if (this.mode === "exchange") this.#schedule({ rotate: true });
    });
  }

  announceReceived(
    fromSessionId: number,
    announce: { identityPublicKey: Uint8Array; sealedKey: Uint8Array },
  ): void {
    this.#enqueue(async () => {
      this.#stats.keyMessagesReceived++;
      if (this.mode === "exchange" && announce.identityPublicKey.length > 0) {
        const peer = await this.#learnIdentity(fromSessionId, announce.identityPublicKey);
        // A newcomer: ratchet before handing our key over, so it cannot read what came before.
        if (peer?.channel) this.#schedule({ joiner: fromSessionId });
      } else if (this.mode === "passphrase" && announce.sealedKey.length > 0) {
        await this.#openSealed(fromSessionId, announce.sealedKey);
      } else {
        this.#stats.keyMessagesRejected++;
      }
    });
  }

  keyReceived(fromSessionId: number, key: { keyMessage: Uint8Array; identityPublicKey: Uint8Array }): void {
    this.#enqueue(async () => {
      this.#stats.keyMessagesReceived++;
      if (this.mode === "passphrase") {
        await this.#openSealed(fromSessionId, key.keyMessage);
        return;
      }
      const known = this.#peers.get(fromSessionId)?.channel !== undefined;
      const peer = await this.#learnIdentity(fromSessionId, key.identityPublicKey);
      if (!peer?.channel) {
        this.#stats.keyMessagesRejected++;
        return;
      }
      const opened = await peer.channel.unwrap(key.keyMessage);
      if (!opened.ok) {
        this.#stats.keyMessagesRejected++;
        return;
      }
      this.#installKey(fromSessionId, opened.mediaKey);
      // We did not know this peer: it was here before us, so our current key is its to have.
      if (!known && this.#keys) this.#sendKey(fromSessionId, await peer.channel.wrap(this.#keys.current));
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    for (const entry of this.#ports) entry.port.close();
    this.#ports.clear();
    this.#receivedKeys.clear();
    this.events.removeAllListeners();
  }

  // --- Internals ---------------------------------------------------------------------------------

  #enqueue(operation: () => Promise<void>): void {
    if (this.#closed) return;
    this.#chain = this.#chain.then(operation).catch((error) => {
      console.warn("videocall e2ee: a key operation failed", error);
    });
  }

  #schedule(change: { rotate?: boolean; joiner?: number }): void {
    if (change.rotate) this.#pendingRotation = true;
    if (change.joiner !== undefined) this.#pendingJoiners.add(change.joiner);
    if (this.#batchTimer !== undefined) return;
    this.#batchTimer = setTimeout(() => {
      this.#batchTimer = undefined;
      this.#enqueue(() => this.#changeKey());
    }, BATCH_DELAY_MS);
  }

  /** One batch of membership changes: a rotation for everyone if anyone left, else a ratchet for the joiners. */
  async #changeKey(): Promise<void> {
    const keys = this.#keys;
    const rotate = this.#pendingRotation;
    const joiners = [...this.#pendingJoiners];
    this.#pendingRotation = false;
    this.#pendingJoiners.clear();
    if (!keys || (!rotate && joiners.length === 0)) return;
    const next = rotate ? keys.prepareRotation() : await keys.prepareRatchet();
    const recipients = rotate ? [...this.#peers.keys()] : joiners;
    const sealed = await Promise.all(
      recipients.map(async (id) => {
        const channel = this.#peers.get(id)?.channel;
        return channel ? ([id, await channel.wrap(next)] as const) : undefined;
      }),
    );
    for (const entry of sealed) if (entry) this.#sendKey(entry[0], entry[1]);
    await new Promise((resolve) => setTimeout(resolve, KEY_ACTIVATION_DELAY_MS));
    if (this.#closed || this.#keys !== keys) return;
    keys.activate(next);
    if (rotate) this.#stats.rotations++;
    else this.#stats.ratchets++;
    // Slots still live go on under the new key; the others are free again.
    this.#slotsUsed = new Set(
      this.#encoders().flatMap((entry) => (entry.trackSlot === undefined ? [] : [entry.trackSlot])),
    );
    for (const entry of this.#encoders()) this.#giveSlot(entry);
    this.events.emit("keyActivated", next.epoch, rotate ? "leave" : "join");
  }

  async #learnIdentity(sessionId: number, bytes: Uint8Array): Promise<PeerRecord | undefined> {
    if (!this.#identity || sessionId === 0 || sessionId === this.#signalling.sessionId) return undefined;
    const existing = this.#peers.get(sessionId);
    const known = existing?.state.identityPublicKey;
    if (existing?.channel && known && equalBytes(known, bytes)) return existing;
    const decoded = await decodeIdentityPublicKey(bytes);
    if (!decoded.ok) return undefined;
    const channel = await PairwiseChannel.create(
      this.#identity,
      this.#signalling.sessionId,
      decoded.publicKey,
      sessionId,
    );
    if (!channel) return undefined;
    const changed = known !== undefined && !equalBytes(known, bytes);
    const record: PeerRecord = existing ?? {
      state: {
        sessionId,
        identityPublicKey: undefined,
        hasKey: false,
        keyEpoch: undefined,
        identityChanged: false,
      },
      channel: undefined,
    };
    record.channel = channel;
    record.state.identityPublicKey = decoded.publicKey.bytes;
    if (changed) {
      // Whatever key came under the old identity is no longer to be trusted.
      record.state.identityChanged = true;
      record.state.hasKey = false;
      record.state.keyEpoch = undefined;
      this.#receivedKeys.delete(sessionId);
      this.#postDecoders({ type: "remove-sender", senderId: sessionId });
    }
    this.#peers.set(sessionId, record);
    this.events.emit("peerChanged", { ...record.state });
    return record;
  }

  async #openSealed(fromSessionId: number, message: Uint8Array): Promise<void> {
    const opened = await this.#passphrase?.open(fromSessionId, message);
    if (!opened?.ok) {
      this.#stats.keyMessagesRejected++;
      return;
    }
    let record = this.#peers.get(fromSessionId);
    if (!record) {
      record = {
        state: {
          sessionId: fromSessionId,
          identityPublicKey: undefined,
          hasKey: false,
          keyEpoch: undefined,
          identityChanged: false,
        },
        channel: undefined,
      };
      this.#peers.set(fromSessionId, record);
    }
    this.#installKey(fromSessionId, opened.mediaKey);
  }

  #installKey(senderId: number, key: MediaKey): void {
    const held = this.#receivedKeys.get(senderId);
    if (held && held.epoch > key.epoch) return; // an old key replayed: keep the newer one
    this.#receivedKeys.set(senderId, key);
    this.#postDecoders({ type: "receiver-key", senderId, key: { epoch: key.epoch, bytes: key.bytes } });
    const record = this.#peers.get(senderId);
    if (record) {
      record.state.keyEpoch = key.epoch;
      const first = !record.state.hasKey;
      record.state.hasKey = true;
      if (first) this.events.emit("peerChanged", { ...record.state });
    }
  }

  #forgetPeer(sessionId: number): void {
    this.#peers.delete(sessionId);
    this.#receivedKeys.delete(sessionId);
    this.#postDecoders({ type: "remove-sender", senderId: sessionId });
  }

  #sendKey(targetSessionId: number, keyMessage: Uint8Array): void {
    if (readKeyWrapHeader(keyMessage).ok !== true) return;
    this.#stats.keyMessagesSent++;
    this.#signalling.sendE2eeKey(targetSessionId, {
      keyMessage,
      ...(this.#identity ? { identityPublicKey: this.#identity.publicKey.bytes } : {}),
    });
  }

  #connectPort(): MessagePort {
    const channel = new MessageChannel();
    const entry: TransformPort = {
      port: channel.port1,
      direction: "unknown",
      trackSlot: undefined,
      stats: emptyDecryptorStats(),
    };
    this.#ports.add(entry);
    entry.port.onmessage = (event: MessageEvent<FromSFrameTransform>) =>
      this.#onPortMessage(entry, event.data);
    entry.port.start();
    return channel.port2;
  }

  #encoders(): TransformPort[] {
    return [...this.#ports].filter((entry) => entry.direction === "encode");
  }

  #onPortMessage(entry: TransformPort, message: FromSFrameTransform): void {
    if (message.type === "hello" && entry.direction === "unknown") {
      entry.direction = message.direction;
      if (message.direction === "encode") this.#giveSlot(entry);
      else {
        for (const [senderId, key] of this.#receivedKeys) {
          this.#post(entry.port, {
            type: "receiver-key",
            senderId,
            key: { epoch: key.epoch, bytes: key.bytes },
          });
        }
      }
    } else if (message.type === "stats" && entry.direction === "decode") {
      entry.stats = message.stats;
    } else if (message.type === "closed") {
      if (entry.direction === "decode") addDecryptorStats(this.#retiredStats, message.stats ?? entry.stats);
      if (entry.trackSlot !== undefined) this.#slotsUsed.delete(entry.trackSlot);
      this.#ports.delete(entry);
      entry.port.close();
    }
  }

  /** Gives an encoder a track slot unused under the current key, and the key; none left: rotate first. */
  #giveSlot(entry: TransformPort): void {
    const keys = this.#keys;
    if (!keys) return;
    if (entry.trackSlot === undefined) {
      for (let slot = 0; slot < TRACK_SLOTS; slot++) {
        if (!this.#slotsUsed.has(slot)) {
          entry.trackSlot = slot;
          this.#slotsUsed.add(slot);
          break;
        }
      }
    }
    if (entry.trackSlot === undefined) {
      // Sixteen tracks under one key already: a fresh key gives every slot a new counter space.
      this.#schedule({ rotate: true });
      return;
    }
    this.#post(entry.port, {
      type: "encrypt-with",
      senderId: keys.senderId,
      trackSlot: entry.trackSlot,
      key: { epoch: keys.current.epoch, bytes: keys.current.bytes },
    });
  }

  #postDecoders(message: ToSFrameTransform): void {
    for (const entry of this.#ports) if (entry.direction === "decode") this.#post(entry.port, message);
  }

  #post(port: MessagePort, message: ToSFrameTransform): void {
    try {
      port.postMessage(message);
    } catch {
      // a closed port: its instance is gone
    }
  }
}

/** The bundled SFrame transform module, beside this file (built by `npm run build:worklet`). */
export const SFRAME_TRANSFORM_URL = new URL("./sframe-frame-transform.bundle.js", import.meta.url).href;

function emptyDecryptorStats(): FrameDecryptorStats {
  return {
    decrypted: 0,
    waitingForKeys: 0,
    dropped: { malformed: 0, "sender-mismatch": 0, replayed: 0, "too-old": 0, "authentication-failed": 0 },
  };
}

function addDecryptorStats(total: FrameDecryptorStats, add: FrameDecryptorStats): void {
  total.decrypted += add.decrypted;
  total.waitingForKeys += add.waitingForKeys;
  for (const reason of Object.keys(total.dropped) as FrameDropReason[]) {
    total.dropped[reason] += add.dropped[reason] ?? 0;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
