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
export const AUDIO_PACKETS_PER_SECOND = 50;
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
 * 8 bytes: microseconds on the capture clock plus 2^49; values up to 2^56 - 2^49 fit, so both
 * a process's `performance.now()` and wall-clock µs since 1970 (`epochClockUs`, until 2254) do.
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

/** Routing fields a template carries besides kind and key frame (absent: 0, as on the wire). */
export interface TemplateFields {
  trackId?: number;
  /** Media.layer: the simulcast rendition. */
  layer?: number;
  /** Media.temporal_layer: the T in L1T3. */
  temporalLayer?: number;
  /** Media.audio_level (1..127): written at a fixed place so `patchAudioLevel` can vary it. */
  audioLevel?: number;
}

const AUDIO_LEVEL_TAG = (10 << 3) | 0;

/** One pre-encoded media packet and where to patch it. */
export class PacketTemplate {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly kind: MediaKind;
  readonly keyframe: boolean;
  readonly layer: number;
  readonly #captureTimeOffset: number;
  readonly #sequenceOffset: number;
  /** Where the one-byte audio level sits, or -1 without one. */
  readonly #audioLevelOffset: number;

  constructor(
    kind: MediaKind,
    keyframe: boolean,
    totalBytes: number,
    durationUs: number,
    fields: TemplateFields = {},
  ) {
    const isVideo = kind === MediaKind.VIDEO;
    const audioLevel = fields.audioLevel === undefined ? 0 : clampAudioLevel(fields.audioLevel);
    const encode = (payloadBytes: number) =>
      encodePacket({
        body: {
          case: "media",
          value: {
            trackId: fields.trackId ?? (isVideo ? VIDEO_TRACK_ID : AUDIO_TRACK_ID),
            kind,
            keyframe,
            sequence: sequenceVarint.baseValue,
            captureTimeUs: BigInt(captureTimeVarint.baseValue),
            codec: isVideo ? Codec.VP8 : Codec.OPUS,
            durationUs: Math.round(durationUs),
            layer: fields.layer ?? 0,
            temporalLayer: fields.temporalLayer ?? 0,
            audioLevel,
            payload: payloadOf(payloadBytes, isVideo ? (keyframe ? 0x10 : 0x11) : 0xfc),
          },
        },
      }) as Uint8Array<ArrayBuffer>;
    // The payload is what is left of `totalBytes` after the headers (their size barely depends on it).
    const overheadBytes = encode(totalBytes).length - totalBytes;
    this.bytes = encode(Math.max(1, totalBytes - overheadBytes));
    this.kind = kind;
    this.keyframe = keyframe;
    this.layer = fields.layer ?? 0;
    this.#captureTimeOffset = captureTimeVarint.findOffset(this.bytes, CAPTURE_TIME_TAG);
    this.#sequenceOffset = sequenceVarint.findOffset(this.bytes, SEQUENCE_TAG);
    this.#audioLevelOffset = audioLevel > 0 ? findByteField(this.bytes, AUDIO_LEVEL_TAG, audioLevel) : -1;
  }

  /** Writes a capture time (µs on the capture clock) and a sequence number in place. */
  patch(captureTimeUs: number, sequence: number): Uint8Array<ArrayBuffer> {
    captureTimeVarint.write(this.bytes, this.#captureTimeOffset, captureTimeUs);
    sequenceVarint.write(this.bytes, this.#sequenceOffset, sequence);
    return this.bytes;
  }

  /** Rewrites the audio level (clamped to 1..127); only for a template made with one. */
  patchAudioLevel(level: number): void {
    if (this.#audioLevelOffset < 0) throw new Error("this template carries no audio level");
    this.bytes[this.#audioLevelOffset] = clampAudioLevel(level);
  }
}

/** 1..127: a one-byte varint, never 0 (which protobuf would leave out). */
function clampAudioLevel(level: number): number {
  return Math.min(127, Math.max(1, Math.round(level)));
}

/** Where the one-byte varint `value` of field `tag` sits in `packet`. */
function findByteField(packet: Uint8Array, tag: number, value: number): number {
  for (let at = 1; at < packet.length; at++) if (packet[at - 1] === tag && packet[at] === value) return at;
  throw new Error(`field tag 0x${tag.toString(16)} = ${value} not found in the template`);
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

/**
 * Microseconds since 1970 with `performance.now()`'s resolution: one clock for every process on
 * the machine, so a packet's capture time (set in one load process) and its receive time (read in
 * another) can be subtracted.
 */
export function epochClockUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

/** One simulcast rendition as published (TrackInfo.layers), with the bitrate its frames add up to. */
export interface VideoLayerSpec {
  layer: number;
  widthPx: number;
  heightPx: number;
  bitrateBps: number;
}

/**
 * Three renditions as a WebRTC-style simulcast camera sends them (cf. LiveKit's and libwebrtc's
 * defaults for 720p): 320×180 at 150 kbps, 640×360 at 500 kbps, 1280×720 at 1.5 Mbps.
 */
export const SIMULCAST_LAYERS: readonly VideoLayerSpec[] = [
  { layer: 0, widthPx: 320, heightPx: 180, bitrateBps: 150_000 },
  { layer: 1, widthPx: 640, heightPx: 360, bitrateBps: 500_000 },
  { layer: 2, widthPx: 1280, heightPx: 720, bitrateBps: 1_500_000 },
];

/** L1T3's temporal layer of frame i after a key frame: 0, 2, 1, 2, 0, … */
const L1T3_PATTERN = [0, 2, 1, 2] as const;

export function temporalLayerOfFrame(framesSinceKeyframe: number): number {
  return L1T3_PATTERN[framesSinceKeyframe % L1T3_PATTERN.length] as number;
}

/** One rendition's templates: a key frame and a delta frame per temporal layer. */
export interface LayerTemplates {
  readonly spec: VideoLayerSpec;
  readonly key: PacketTemplate;
  /** Indexed by temporal layer (0..2). */
  readonly deltas: readonly PacketTemplate[];
}

/** A simulcast camera plus a microphone whose packets carry an audio level. */
export interface SimulcastTemplates {
  readonly audio: PacketTemplate;
  readonly layers: readonly LayerTemplates[];
  readonly keyframeIntervalFrames: number;
}

/**
 * Templates for a publisher of `layers` (one entry: a plain single-layer camera) at `fps`, its
 * audio at level `audioLevel` (0: silent, no level field). Each layer's frames add up to its bitrate.
 */
export function simulcastTemplates(
  layers: readonly VideoLayerSpec[],
  fps: number,
  audioLevel: number,
): SimulcastTemplates {
  const videoDurationUs = 1e6 / fps;
  let keyframeIntervalFrames = 1;
  const layerTemplates = layers.map((spec) => {
    const media = mediaAtBitrate(spec.bitrateBps / 1000, fps);
    keyframeIntervalFrames = media.keyframeIntervalFrames;
    const fields = { layer: spec.layer };
    return {
      spec,
      key: new PacketTemplate(MediaKind.VIDEO, true, media.videoKeyframeBytes, videoDurationUs, fields),
      deltas: [0, 1, 2].map(
        (temporalLayer) =>
          new PacketTemplate(MediaKind.VIDEO, false, media.videoDeltaBytes, videoDurationUs, {
            ...fields,
            temporalLayer,
          }),
      ),
    };
  });
  const audio = new PacketTemplate(
    MediaKind.AUDIO,
    false,
    AUDIO_PACKET_BYTES,
    1e6 / AUDIO_PACKETS_PER_SECOND,
    audioLevel > 0 ? { audioLevel } : {},
  );
  return { audio, layers: layerTemplates, keyframeIntervalFrames };
}
