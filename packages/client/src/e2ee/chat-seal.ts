/**
 * End-to-end encrypted chat (docs/e2ee.md, "Chat"): a message is sealed with the sender's current
 * media key, the one its media is encrypted with, so whoever can see the sender's video can read its
 * messages and the relay, which stores them, cannot. The AES-128-GCM key is HKDF-SHA256 of the media
 * key with its own label (never the SFrame key itself); the IV is random (a chat message is rare, so
 * 96 random bits never repeat in practice). Sealed: version (1) | epoch (u32 BE) | IV (12) | ciphertext+tag.
 * The meeting id is the additional data, so a message cannot be replayed into another meeting.
 */
import { concatBytes, utf8 } from "./bytes.ts";
import type { MediaKey } from "./media-key.ts";

const VERSION = 1;
const HEADER_BYTES = 1 + 4 + 12;
const CHAT_LABEL = utf8("videocall e2ee 1.0 chat");

export async function sealChatText(
  key: MediaKey,
  meetingId: string,
  text: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8(meetingId) },
    await chatKey(key),
    utf8(text),
  );
  const header = new Uint8Array(5);
  header[0] = VERSION;
  new DataView(header.buffer).setUint32(1, key.epoch);
  return concatBytes(header, iv, new Uint8Array(ciphertext));
}

/** The epoch a sealed message names, or undefined when it is not one. */
export function sealedChatEpoch(sealed: Uint8Array): number | undefined {
  if (sealed.length < HEADER_BYTES + 16 || sealed[0] !== VERSION) return undefined;
  return new DataView(sealed.buffer, sealed.byteOffset, sealed.byteLength).getUint32(1);
}

/** The text, or undefined when `key` does not open it (another epoch, tampered, another meeting). */
export async function openChatText(
  key: MediaKey,
  meetingId: string,
  sealed: Uint8Array,
): Promise<string | undefined> {
  if (sealedChatEpoch(sealed) !== key.epoch) return undefined;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: sealed.slice(5, HEADER_BYTES), additionalData: utf8(meetingId) },
      await chatKey(key),
      sealed.slice(HEADER_BYTES),
    );
    return new TextDecoder("utf-8", { fatal: true }).decode(plain);
  } catch {
    return undefined;
  }
}

async function chatKey(key: MediaKey): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", key.bytes, "HKDF", false, ["deriveKey"]);
  return await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: CHAT_LABEL },
    base,
    { name: "AES-GCM", length: 128 },
    false,
    ["encrypt", "decrypt"],
  );
}
