/**
 * End-to-end encryption core: SFrame (RFC 9605, AES_128_GCM_SHA256_128) per encoded frame, and the
 * keys behind it (identities, pairwise key wrapping, per-sender key rings, ratchet on join, rotation
 * on leave, passphrase mode, safety numbers). Pure Web Crypto; no networking. See docs/e2ee.md.
 */

export { toHex } from "./bytes.ts";
export {
  FrameDecryptor,
  type FrameDecryptorStats,
  type FrameDecryptResult,
  type FrameDropReason,
} from "./frame-decryptor.ts";
export { FrameEncryptor, type FrameEncryptResult } from "./frame-encryptor.ts";
export { FRAME_METADATA_BYTES, frameMetadataBytes } from "./frame-metadata-bytes.ts";
export {
  type AgreementCurve,
  decodeIdentityPublicKey,
  generateIdentity,
  type IdentityDecodeResult,
  type IdentityKeyPair,
  type IdentityPublicKey,
  supportsX25519,
} from "./identity.ts";
export { composeKeyId, type KeyIdParts, parseKeyId, TRACK_SLOTS } from "./key-id.ts";
export { DEFAULT_KEY_OVERLAP_MS, type KeyLookup, ReceiverKeyRing, type SetKeyResult } from "./key-ring.ts";
export {
  KEY_WRAP_MESSAGE_BYTES,
  type KeyWrapHeader,
  type KeyWrapScheme,
  PairwiseChannel,
  readKeyWrapHeader,
  type UnwrapResult,
} from "./key-wrap.ts";
export { LocalSenderKeys } from "./local-sender-keys.ts";
export { generateMediaKey, MEDIA_KEY_BYTES, type MediaKey, ratchetMediaKey } from "./media-key.ts";
export {
  type E2eeEvents,
  type E2eeOptions,
  type E2eeSignalling,
  type E2eeStats,
  KEY_ACTIVATION_DELAY_MS,
  MeetingE2ee,
  type PeerE2eeState,
  SFRAME_TRANSFORM_URL,
} from "./meeting-e2ee.ts";
export { PASSPHRASE_PBKDF2_ITERATIONS, PassphraseKeys } from "./passphrase.ts";
export { DEFAULT_REPLAY_WINDOW, type ReplayCheck, ReplayWindow } from "./replay-window.ts";
export { SAFETY_EMOJI, type SafetyNumber, safetyNumber } from "./safety-number.ts";
export { parseSFrameCiphertext, sframeEncrypt, sframeOpen } from "./sframe-cipher.ts";
export { DEFAULT_FRAMES_PER_KEY, SFrameEncryptor, type SFrameEncryptResult } from "./sframe-encryptor.ts";
export {
  decodeSFrameHeader,
  encodeSFrameHeader,
  type SFrameHeader,
  type SFrameHeaderErrorReason,
} from "./sframe-header.ts";
export { AES_128_GCM_SHA256_128, deriveSFrameKey, type SFrameKey } from "./sframe-key.ts";
