/**
 * Which video codecs this browser encodes in real time and decodes, asked of WebCodecs itself
 * (`isConfigSupported`), never guessed from the user agent. What it decodes is announced to the
 * meeting (TrackState.video_decoders); what it encodes bounds the codecs its publisher may pick.
 */
import { Codec } from "@videocall/protocol";
import { setDecodableVideoCodecs, VIDEO_CODECS, type VideoCodecChoice } from "../tracks.ts";

export interface VideoCodecSupport {
  /** Codecs VideoEncoder accepts with latencyMode "realtime" at 640×360, 30 fps. */
  encoders: VideoCodecChoice[];
  /** Wire codecs VideoDecoder accepts, best first (AV1, VP9, H.264, VP8): what we announce. */
  decoders: Codec[];
}

/** Best first, for the announcement: the better a codec compresses, the earlier. */
const DECODE_ORDER: readonly VideoCodecChoice[] = ["av1", "vp9", "h264", "vp8"];

/** What a browser without WebCodecs can do: nothing; VP8 is still announced as the codec of last resort. */
const NO_WEBCODECS: VideoCodecSupport = { encoders: [], decoders: [] };

let cached: Promise<VideoCodecSupport> | undefined;

/** Probes once per page (the answer does not change while it runs). */
export function probeVideoCodecs(): Promise<VideoCodecSupport> {
  cached ??= probe();
  return cached;
}

async function probe(): Promise<VideoCodecSupport> {
  if (typeof VideoEncoder !== "function" || typeof VideoDecoder !== "function") return NO_WEBCODECS;
  startGStreamerSafely();
  const encoders: VideoCodecChoice[] = [];
  const decoders: Codec[] = [];
  for (const choice of DECODE_ORDER) {
    const { codecString, wire } = VIDEO_CODECS[choice];
    if (await supported(() => VideoDecoder.isConfigSupported({ codec: codecString }))) decoders.push(wire);
    const config: VideoEncoderConfig = {
      codec: codecString,
      width: 640,
      height: 360,
      bitrate: 500_000,
      framerate: 30,
      latencyMode: "realtime",
      ...(choice === "h264" ? { avc: { format: "annexb" as const } } : {}),
    };
    if (await supported(() => VideoEncoder.isConfigSupported(config))) encoders.push(choice);
  }
  setDecodableVideoCodecs(decoders);
  return {
    encoders: (Object.keys(VIDEO_CODECS) as VideoCodecChoice[]).filter((c) => encoders.includes(c)),
    decoders,
  };
}

async function supported(check: () => Promise<{ supported?: boolean }>): Promise<boolean> {
  try {
    return (await check()).supported === true;
  } catch {
    return false;
  }
}

/**
 * WebKitGTK 2.50: when a page's first use of GStreamer is a WebCodecs call, the web process dies
 * (gst_register_core_elements: "code should not be reached"). An AudioContext made first starts
 * GStreamer the safe way; other engines only pay for a context opened and closed.
 */
function startGStreamerSafely(): void {
  if (typeof AudioContext !== "function") return;
  try {
    void new AudioContext().close().catch(() => {});
  } catch {
    // no audio device: nothing to start
  }
}

/**
 * The codecs to publish in, best first, for VideoCodecNegotiator: the user's pick, then VP9, then
 * VP8 (every engine decodes VP8), each only if this browser encodes it.
 */
export function publishPreferences(choice: VideoCodecChoice, encoders: readonly VideoCodecChoice[]): Codec[] {
  const order = [choice, ...(["vp9", "vp8"] as const).filter((c) => c !== choice)];
  const encodable = order.filter((c) => encoders.length === 0 || encoders.includes(c));
  return (encodable.length > 0 ? encodable : [choice]).map((c) => VIDEO_CODECS[c].wire);
}

/** Wire codecs a decoder list leaves out, of those we publish (for the "cannot decode" notice). */
export function undecodableCodecs(decoders: readonly Codec[]): Codec[] {
  if (decoders.length === 0) return [];
  return [Codec.AV1, Codec.VP9, Codec.H264, Codec.VP8].filter((codec) => !decoders.includes(codec));
}
