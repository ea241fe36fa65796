/**
 * The SFrame FrameTransform module (docs/e2ee.md): loaded by the frame-transform seam inside the
 * video encoder and decoder workers, beside the Opus codec on the page, and in the CLI. Encode:
 * frame → SFrame ciphertext under the sender's current key; decode: ciphertext → frame, or a typed
 * error (waiting for keys, malformed, authentication failed, replayed). Keys come from the page's
 * MeetingE2ee over the instance's MessagePort (ToSFrameTransform); the routing fields are the
 * authenticated metadata, never encrypted, so the relay routes as before.
 *
 * Bundled into `sframe-frame-transform.bundle.js` (npm run build:worklet), which pages and workers
 * import by URL; it imports nothing at run time.
 */
import {
  type FrameDecodeOutcome,
  type FrameMetadata,
  type FrameTransform,
  type FrameTransformContext,
  FrameTransformError,
  type FrameTransformErrorReason,
} from "../media/transform/frame-transform.ts";
import { FrameDecryptor, type FrameDropReason } from "./frame-decryptor.ts";
import { FrameEncryptor } from "./frame-encryptor.ts";
import { frameMetadataBytes } from "./frame-metadata-bytes.ts";
import { ReceiverKeyRing } from "./key-ring.ts";
import { LocalSenderKeys } from "./local-sender-keys.ts";
import type { FromSFrameTransform, ToSFrameTransform } from "./transform-port-messages.ts";

const STATS_INTERVAL_MS = 500;

export function createFrameTransform(_options: unknown, context: FrameTransformContext): FrameTransform {
  if (!context.port)
    throw new Error("the SFrame transform needs its MessagePort (FrameTransformConfig.connect)");
  return context.direction === "encode"
    ? new SFrameEncodeTransform(context.port)
    : new SFrameDecodeTransform(context.port);
}

class SFrameEncodeTransform implements FrameTransform {
  readonly #port: MessagePort;
  #keys: LocalSenderKeys | undefined;
  #encryptor: FrameEncryptor | undefined;

  constructor(port: MessagePort) {
    this.#port = port;
    port.onmessage = (event: MessageEvent<ToSFrameTransform>) => this.#onMessage(event.data);
    port.start?.();
    port.postMessage({ type: "hello", direction: "encode" } satisfies FromSFrameTransform);
  }

  async encode(payload: Uint8Array, metadata: FrameMetadata): Promise<Uint8Array> {
    const encryptor = this.#encryptor;
    // No key yet: dropping is right (a cleartext frame must never leave); the encoder then sends a key frame.
    if (!encryptor) throw new FrameTransformError("waiting-for-keys", "no media key to encrypt with yet");
    const result = await encryptor.encrypt(frameMetadataBytes(metadata), new Uint8Array(payload));
    if (!result.ok)
      throw new FrameTransformError("failed", "the media key is exhausted: waiting for a new one");
    return result.ciphertext;
  }

  decode(): FrameDecodeOutcome {
    return { ok: false, error: new FrameTransformError("failed", "an encode transform does not decode") };
  }

  close(): void {
    this.#port.postMessage({ type: "closed" } satisfies FromSFrameTransform);
    this.#port.onmessage = null;
    this.#port.close();
    this.#encryptor = undefined;
  }

  #onMessage(message: ToSFrameTransform): void {
    if (message.type === "pause") {
      this.#keys = undefined;
      this.#encryptor = undefined;
      return;
    }
    if (message.type !== "encrypt-with") return;
    const { senderId, trackSlot, key } = message;
    const keys = this.#keys;
    if (keys && keys.senderId === senderId && key.epoch === keys.current.epoch + 1) {
      keys.activate(key); // the FrameEncryptor moves to the new epoch at its next frame
      return;
    }
    // Never restart a (sender, epoch) we already encrypted under: its counter would start again at 0.
    if (keys && keys.senderId === senderId && key.epoch <= keys.current.epoch) return;
    this.#keys = new LocalSenderKeys(senderId, key);
    this.#encryptor = new FrameEncryptor(this.#keys, trackSlot);
  }
}

class SFrameDecodeTransform implements FrameTransform {
  readonly #port: MessagePort;
  readonly #ring = new ReceiverKeyRing();
  readonly #decryptor = new FrameDecryptor(this.#ring);
  #statsTimer: ReturnType<typeof setInterval>;
  #reported = "";
  #keyChain: Promise<void> = Promise.resolve();

  constructor(port: MessagePort) {
    this.#port = port;
    // Keys are installed one after the other: an older key finishing its import last must not win.
    port.onmessage = (event: MessageEvent<ToSFrameTransform>) => {
      this.#keyChain = this.#keyChain.then(() => this.#onMessage(event.data)).catch(() => {});
    };
    port.start?.();
    port.postMessage({ type: "hello", direction: "decode" } satisfies FromSFrameTransform);
    this.#statsTimer = setInterval(() => this.#report(), STATS_INTERVAL_MS);
  }

  encode(): Uint8Array {
    throw new FrameTransformError("failed", "a decode transform does not encode");
  }

  async decode(payload: Uint8Array, metadata: FrameMetadata): Promise<FrameDecodeOutcome> {
    const result = await this.#decryptor.decrypt(
      metadata.senderSessionId,
      frameMetadataBytes(metadata),
      new Uint8Array(payload),
    );
    if (result.kind === "frame") return { ok: true, payload: result.plaintext };
    if (result.kind === "waiting-for-keys") {
      return { ok: false, error: new FrameTransformError("waiting-for-keys", "no key for this frame yet") };
    }
    const reason = TRANSFORM_REASON[result.reason];
    return { ok: false, error: new FrameTransformError(reason, `SFrame: ${result.reason}`) };
  }

  close(): void {
    clearInterval(this.#statsTimer);
    this.#port.postMessage({ type: "closed", stats: this.#decryptor.stats } satisfies FromSFrameTransform);
    this.#port.onmessage = null;
    this.#port.close();
  }

  async #onMessage(message: ToSFrameTransform): Promise<void> {
    if (message.type === "receiver-key") await this.#ring.setKey(message.senderId, message.key);
    else if (message.type === "remove-sender") this.#ring.removeSender(message.senderId);
  }

  #report(): void {
    const stats = this.#decryptor.stats;
    const summary = JSON.stringify(stats);
    if (summary === this.#reported) return;
    this.#reported = summary;
    this.#port.postMessage({ type: "stats", stats } satisfies FromSFrameTransform);
  }
}

const TRANSFORM_REASON: Record<FrameDropReason, FrameTransformErrorReason> = {
  malformed: "malformed",
  "sender-mismatch": "authentication-failed",
  "authentication-failed": "authentication-failed",
  replayed: "replayed",
  "too-old": "replayed",
};
