/**
 * Synthetic media for load: real protobuf `Media` packets of realistic sizes and rates (the relay
 * never decodes media, so sizes and rates load it as real media would), encoded once per track
 * and patched in place before each send. The capture time and the sequence number are varints
 * written at a fixed width (see `FixedVarint`), so a send costs two small writes instead of a
 * protobuf encode, and the generator stays cheap next to the server it measures.
 */
import { Codec, encodePacket, MediaKind } from "@videocall/protocol";

/** What every publisher sends. Sizes are whole encoded packets, headers included. */
export interface SyntheticMedia {
  videoFramesPerSecond: number;
  videoDeltaBytes: number;
  videoKeyframeBytes: number;
  /** One key frame per this many video frames, as a real encoder would send. */
  keyframeIntervalFrames: number;
  audioPacketsPerSecond: number;
  audioPacketBytes: number;
}

/** The relay benchmark's load: 30 video packets/s of ~1.2 KB (a key frame every 2 s), 50 audio packets/s of 160 B. */
export const RELAY_BENCH_MEDIA: SyntheticMedia = {
  videoFramesPerSecond: 30,
  videoDeltaBytes: 1200,
  videoKeyframeBytes: 1200,
  keyframeIntervalFrames: 60,
  audioPacketsPerSecond: 50,
  audioPacketBytes: 160,
};

const KEYFRAME_INTERVAL_MS = 2000;
/** A VP8 key frame at these bitrates is about six delta frames. */
const KEYFRAME_TO_DELTA_RATIO = 6;
/** Opus-sized packets every 20 ms. */
const AUDIO_PACKET_BYTES = 80;
const AUDIO_PACKETS_PER_SECOND = 50;
const MIN_DELTA_BYTES = 200;

/** A VP8-like camera at `videoBitrateKbps` and `fps` (a key frame every 2 s), plus an Opus-like microphone. */
export function mediaAtBitrate(videoBitrateKbps: number, fps: number): SyntheticMedia {
  const videoDeltaBytes = Math.max(
    MIN_DELTA_BYTES,
    Math.round((videoBitrateKbps * 1000) / 8 / fps / (1 + KEYFRAME_TO_DELTA_RATIO / (fps * 2))),
  );
  return {
    videoFramesPerSecond: fps,
    videoDeltaBytes,
    videoKeyframeBytes: videoDeltaBytes * KEYFRAME_TO_DELTA_RATIO,
    keyframeIntervalFrames: Math.max(1, Math.round(KEYFRAME_INTERVAL_MS / (1000 / fps))),
    audioPacketsPerSecond: AUDIO_PACKETS_PER_SECOND,
    audioPacketBytes: AUDIO_PACKET_BYTES,
  };
}

/**
 * A varint field patched in place: values in [2^(7(w-1)), 2^(7w)) all take exactly w bytes, so
 * offsetting every value by 2^(7(w-1)) keeps the packet's length and layout fixed.
 */
export class FixedVarint {
  readonly baseValue: number;
  readonly #widthBytes: number;

  constructor(widthBytes: number) {
    this.#widthBytes = widthBytes;
    this.baseValue = 2 ** (7 * (widthBytes - 1));
  }

  /** Writes `baseValue + value` at `offset`; `value` must be below 2^(7w) - baseValue. */
  write(target: Uint8Array, offset: number, value: number): void {
    let remaining = this.baseValue + value;
    for (let i = 0; i < this.#widthBytes - 1; i++) {
      target[offset + i] = (remaining % 128) | 0x80;
      remaining = Math.floor(remaining / 128);
    }
    target[offset + this.#widthBytes - 1] = remaining;
  }

  /** Where the varint of field `tag` holding `baseValue` starts in `packet`. */
  findOffset(packet: Uint8Array, tag: number): number {
    const pattern = new Uint8Array(this.#widthBytes);
    this.write(pattern, 0, 0);
    outer: for (let at = 1; at + this.#widthBytes <= packet.length; at++) {
      if (packet[at - 1] !== tag) continue;
      for (let i = 0; i < this.#widthBytes; i++) if (packet[at + i] !== pattern[i]) continue outer;
      return at;
    }
    throw new Error(`field tag 0x${tag.toString(16)} with the base value not found in the template`);
  }
}

/**
 * 8 bytes: microseconds on this process's `performance.now()` clock, plus 2^49 (good for ~2
 * years of uptime). Senders and receivers share the process, so capture → receive is one clock.
 */
export const captureTimeVarint = new FixedVarint(8);
/** 5 bytes: uint32 sequence numbers from 2^28. */
const sequenceVarint = new FixedVarint(5);
const CAPTURE_TIME_TAG = (5 << 3) | 0;
const SEQUENCE_TAG = (4 << 3) | 0;

export const AUDIO_TRACK_ID = 1;
export const VIDEO_TRACK_ID = 2;

/** The capture time a received packet's header carries, on `performance.now()`'s clock in µs. */
export function captureTimeUsOf(headerCaptureTimeUs: number): number {
  return headerCaptureTimeUs - captureTimeVarint.baseValue;
}

/** One pre-encoded media packet and where to patch it. */
export class PacketTemplate {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly kind: MediaKind;
  readonly #captureTimeOffset: number;
  readonly #sequenceOffset: number;

  constructor(kind: MediaKind, keyframe: boolean, totalBytes: number, durationUs: number) {
    const isVideo = kind === MediaKind.VIDEO;
    const encode = (payloadBytes: number) =>
      encodePacket({
        body: {
          case: "media",
          value: {
            trackId: isVideo ? VIDEO_TRACK_ID : AUDIO_TRACK_ID,
            kind,
            keyframe,
            sequence: sequenceVarint.baseValue,
            captureTimeUs: BigInt(captureTimeVarint.baseValue),
            codec: isVideo ? Codec.VP8 : Codec.OPUS,
            durationUs: Math.round(durationUs),
            payload: payloadOf(payloadBytes, isVideo ? (keyframe ? 0x10 : 0x11) : 0xfc),
          },
        },
      }) as Uint8Array<ArrayBuffer>;
    // The payload is what is left of `totalBytes` after the headers (their size barely depends on it).
    const overheadBytes = encode(totalBytes).length - totalBytes;
    this.bytes = encode(Math.max(1, totalBytes - overheadBytes));
    this.kind = kind;
    this.#captureTimeOffset = captureTimeVarint.findOffset(this.bytes, CAPTURE_TIME_TAG);
    this.#sequenceOffset = sequenceVarint.findOffset(this.bytes, SEQUENCE_TAG);
  }

  /** Writes a capture time (µs on `performance.now()`'s clock) and a sequence number in place. */
  patch(captureTimeUs: number, sequence: number): Uint8Array<ArrayBuffer> {
    captureTimeVarint.write(this.bytes, this.#captureTimeOffset, captureTimeUs);
    sequenceVarint.write(this.bytes, this.#sequenceOffset, sequence);
    return this.bytes;
  }
}

/** A payload that looks like its codec's (the first byte: a VP8 frame tag, an Opus TOC). */
function payloadOf(bytes: number, first: number): Uint8Array {
  const payload = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) payload[i] = (i * 131 + 7) & 0xff;
  payload[0] = first;
  return payload;
}

/** One publisher's three templates: audio, video delta, video key frame. */
export interface PublisherTemplates {
  readonly audio: PacketTemplate;
  readonly videoDelta: PacketTemplate;
  readonly videoKey: PacketTemplate;
}

export function publisherTemplates(media: SyntheticMedia): PublisherTemplates {
  const videoDurationUs = 1e6 / media.videoFramesPerSecond;
  return {
    audio: new PacketTemplate(
      MediaKind.AUDIO,
      false,
      media.audioPacketBytes,
      1e6 / media.audioPacketsPerSecond,
    ),
    videoDelta: new PacketTemplate(MediaKind.VIDEO, false, media.videoDeltaBytes, videoDurationUs),
    videoKey: new PacketTemplate(MediaKind.VIDEO, true, media.videoKeyframeBytes, videoDurationUs),
  };
}
