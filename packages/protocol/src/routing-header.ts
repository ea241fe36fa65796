/**
 * Reads the routing header of an encoded Packet without decoding it.
 *
 * The relay's per-packet path must not allocate per field nor touch the media payload (it may be
 * end-to-end encrypted), so this walks the protobuf wire format by hand: the top-level fields of
 * Packet, and for a Media body its small scalar fields, skipping `payload`. Field numbers mirror
 * proto/videocall/v1/packet.proto; `routing-header.test.ts` checks them against the generated codec.
 */

/** Which `Packet.body` field is set (its field number), or 0 when none is. */
export const BodyField = {
  none: 0,
  media: 2,
  trackState: 3,
  keyframeRequest: 4,
  ping: 5,
  pong: 6,
  welcome: 7,
  participantJoined: 8,
  participantLeft: 9,
  goodbye: 10,
  leave: 11,
  join: 12,
  setSubscriptions: 13,
  hostCommand: 14,
  meetingState: 15,
  waiting: 16,
  mutedByHost: 17,
  hostCommandResult: 18,
  activeSpeakers: 20,
  layerDemand: 21,
  reaction: 25,
  raiseHand: 26,
  raisedHands: 27,
  reactionRefused: 28,
  chatSend: 22,
  chatMessage: 23,
  chatHistory: 24,
} as const;
export type BodyField = (typeof BodyField)[keyof typeof BodyField];

/**
 * The ranges of `Packet.body` field numbers (docs/protocol.md, "Forward compatibility"), so a
 * message type added later does not break a node or client that predates it:
 * - 2..31 core: the relay acts on the ones it knows and drops (and counts) the others;
 * - 32..47 extension, broadcast: forwarded opaque to every other participant;
 * - 48..63 extension, targeted: forwarded opaque to the participant in the body's field 1;
 * - >= 64 (or a wire type other than length-delimited): malformed.
 */
export const BodyRange = {
  firstCore: 2,
  lastCore: 31,
  firstBroadcastExtension: 32,
  lastBroadcastExtension: 47,
  firstTargetedExtension: 48,
  lastTargetedExtension: 63,
} as const;

export type BodyClass = "core" | "broadcast-extension" | "targeted-extension";

/** The class of a body field number in 2..63 (the scan rejects the others). */
export function bodyClassOf(field: number): BodyClass {
  if (field >= BodyRange.firstTargetedExtension) return "targeted-extension";
  if (field >= BodyRange.firstBroadcastExtension) return "broadcast-extension";
  return "core";
}

const FROM_SESSION_FIELD = 1;
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;
/** Tag byte of `optional fixed32 from_session_id = 1`. */
export const FROM_SESSION_TAG = (FROM_SESSION_FIELD << 3) | WIRE_FIXED32;

export type ScanError =
  | "truncated"
  | "bad-wire-type"
  | "unknown-field"
  | "duplicate-field"
  | "no-body"
  | "several-bodies";

/** Mutable result, reused across packets by its owner so scanning allocates nothing. */
export class RoutingHeader {
  error: ScanError | undefined = undefined;
  /** The body's field number: a BodyField, or (2..63) one this build may not know. */
  body: number = BodyField.none;
  /** Byte offset of the 4-byte little-endian from_session_id value, or -1 when absent. */
  fromSessionOffset = -1;
  // Media fields (valid when body === BodyField.media).
  trackId = 0;
  kind = 0;
  keyframe = false;
  sequence = 0;
  captureTimeUs = 0;
  /** Media.layer: spatial layer, 0 = lowest. */
  layer = 0;
  /** Media.temporal_layer, 0 = base. */
  temporalLayer = 0;
  /** Media.audio_level: 0 (silent, or none given) .. 127 (full scale). */
  audioLevel = 0;
  payloadBytes = 0;
  // KeyframeRequest and targeted extension bodies (48..63): their field 1.
  targetSessionId = 0;
  /** KeyframeRequest.layer, or -1 when absent (every layer of the track). */
  keyframeLayer = -1;

  reset(): void {
    this.error = undefined;
    this.body = BodyField.none;
    this.fromSessionOffset = -1;
    this.trackId = 0;
    this.kind = 0;
    this.keyframe = false;
    this.sequence = 0;
    this.captureTimeUs = 0;
    this.layer = 0;
    this.temporalLayer = 0;
    this.audioLevel = 0;
    this.payloadBytes = 0;
    this.targetSessionId = 0;
    this.keyframeLayer = -1;
  }
}

// The cursor lives in module state so that reading a varint returns one number and allocates nothing.
let bytes: Uint8Array = new Uint8Array(0);
let pos = 0;
let truncated = false;

function readVarint(): number {
  let result = 0;
  let multiplier = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) {
      truncated = true;
      return 0;
    }
    const byte = bytes[pos++] as number;
    result += (byte & 0x7f) * multiplier;
    if (byte < 0x80) return result;
    multiplier *= 128;
  }
  truncated = true; // more than 10 bytes: not a varint
  return 0;
}

/** Skips one field's value; returns false on a bad wire type or truncation. */
function skipValue(wireType: number): boolean {
  switch (wireType) {
    case WIRE_VARINT:
      readVarint();
      return !truncated;
    case WIRE_FIXED64:
      pos += 8;
      return pos <= bytes.length;
    case WIRE_LEN: {
      const length = readVarint();
      pos += length;
      return !truncated && pos <= bytes.length;
    }
    case WIRE_FIXED32:
      pos += 4;
      return pos <= bytes.length;
    default:
      return false;
  }
}

function scanMedia(end: number, out: RoutingHeader): ScanError | undefined {
  while (pos < end) {
    const tag = readVarint();
    if (truncated) return "truncated";
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (wireType === WIRE_VARINT && field >= 1 && field <= 10) {
      const value = readVarint();
      if (truncated) return "truncated";
      if (field === 1) out.trackId = value;
      else if (field === 2) out.kind = value;
      else if (field === 3) out.keyframe = value !== 0;
      else if (field === 4) out.sequence = value;
      else if (field === 5) out.captureTimeUs = value;
      else if (field === 8) out.layer = value;
      else if (field === 9) out.temporalLayer = value;
      else if (field === 10) out.audioLevel = value;
    } else if (field === 15 && wireType === WIRE_LEN) {
      const length = readVarint();
      if (truncated) return "truncated";
      out.payloadBytes = length;
      pos += length;
    } else if (!skipValue(wireType)) {
      return wireType > 5 ? "bad-wire-type" : "truncated";
    }
  }
  return pos === end ? undefined : "truncated";
}

function scanKeyframeRequest(end: number, out: RoutingHeader): ScanError | undefined {
  while (pos < end) {
    const tag = readVarint();
    if (truncated) return "truncated";
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 1 && wireType === WIRE_VARINT) {
      out.targetSessionId = readVarint();
    } else if (field === 2 && wireType === WIRE_VARINT) {
      out.trackId = readVarint();
    } else if (field === 3 && wireType === WIRE_VARINT && out.body === BodyField.keyframeRequest) {
      out.keyframeLayer = readVarint();
    } else if (!skipValue(wireType)) {
      return "bad-wire-type";
    }
    if (truncated) return "truncated";
  }
  return pos === end ? undefined : "truncated";
}

/**
 * Scans `packet` into `out` (reset first). Returns false and sets `out.error` when the bytes are
 * not a well-formed Packet with exactly one body. Body numbers 2..63 are accepted whether this
 * build knows them or not (bodyClassOf says what to do with them); other top-level fields are
 * rejected ("unknown-field").
 */
export function scanRoutingHeader(packet: Uint8Array, out: RoutingHeader): boolean {
  out.reset();
  bytes = packet;
  pos = 0;
  truncated = false;
  const error = scanTopLevel(out);
  bytes = EMPTY;
  if (error !== undefined) {
    out.error = error;
    return false;
  }
  return true;
}
const EMPTY = new Uint8Array(0);

function scanTopLevel(out: RoutingHeader): ScanError | undefined {
  while (pos < bytes.length) {
    const tag = readVarint();
    if (truncated) return "truncated";
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === FROM_SESSION_FIELD) {
      if (wireType !== WIRE_FIXED32) return "bad-wire-type";
      if (out.fromSessionOffset !== -1) return "duplicate-field";
      out.fromSessionOffset = pos;
      pos += 4;
      if (pos > bytes.length) return "truncated";
      continue;
    }
    if (field < BodyRange.firstCore || field > BodyRange.lastTargetedExtension) return "unknown-field";
    if (wireType !== WIRE_LEN) return "bad-wire-type";
    if (out.body !== BodyField.none) return "several-bodies";
    out.body = field;
    const length = readVarint();
    if (truncated) return "truncated";
    const end = pos + length;
    if (end > bytes.length) return "truncated";
    let error: ScanError | undefined;
    if (field === BodyField.media) error = scanMedia(end, out);
    else if (field === BodyField.keyframeRequest || field >= BodyRange.firstTargetedExtension) {
      error = scanKeyframeRequest(end, out); // both carry `uint32 target_session_id = 1`
    } else pos = end;
    if (error !== undefined) return error;
  }
  return out.body === BodyField.none ? "no-body" : undefined;
}

/**
 * Writes the sender's session id into the packet's routing stamp. In place when the client encoded
 * the placeholder (the normal case: no allocation); otherwise returns a copy with the field
 * prepended (field order does not matter in protobuf, and the scan rejected duplicates).
 */
export function stampFromSession(packet: Uint8Array, header: RoutingHeader, sessionId: number): Uint8Array {
  if (header.fromSessionOffset >= 0) {
    writeUint32LE(packet, header.fromSessionOffset, sessionId);
    return packet;
  }
  const stamped = new Uint8Array(packet.length + 5);
  stamped[0] = FROM_SESSION_TAG;
  writeUint32LE(stamped, 1, sessionId);
  stamped.set(packet, 5);
  header.fromSessionOffset = 1;
  return stamped;
}

function writeUint32LE(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value & 0xff;
  target[offset + 1] = (value >>> 8) & 0xff;
  target[offset + 2] = (value >>> 16) & 0xff;
  target[offset + 3] = (value >>> 24) & 0xff;
}
