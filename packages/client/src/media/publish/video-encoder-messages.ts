/** Messages between a CameraPublisher (page) and its video encoder worker. */
import type { Codec, MediaKind } from "@videocall/protocol";
import type { LocalVideoLayer } from "../../session/local-track.ts";
import type { FrameTransformSpec } from "../transform/frame-transform.ts";

export interface VideoEncoderSettings {
  codecString: string;
  /** Without simulcast: the one layer's bitrate. */
  bitrateBps: number;
  framerate: number;
  keyframeIntervalMs: number;
  /** Encode the ladder of simulcast-layers.ts (one VideoEncoder per layer), else one layer at capture size. */
  simulcast: boolean;
  /** Ask each encoder for L1T3 temporal layers where VideoEncoder.isConfigSupported allows it. */
  temporalLayers: boolean;
}

/** One layer's encoder, as the worker reports it. */
export interface EncoderLayerStats {
  layer: number;
  /** Wanted by someone (LayerDemand) and so being encoded. */
  active: boolean;
  width: number;
  height: number;
  bitrateBps: number;
  framesEncoded: number;
  keyframesEncoded: number;
  /** "L1T3" when the encoder makes temporal layers, else "". */
  scalabilityMode: string;
}

export type ToVideoEncoder =
  | {
      type: "start";
      /** The camera's frames; undefined where streams cannot be transferred: then "frame" messages bring them. */
      frames: ReadableStream<VideoFrame> | undefined;
      settings: VideoEncoderSettings;
      /** The routing fields the frame transform sees (its metadata). */
      track: { trackId: number; kind: MediaKind; codec: Codec };
      /** Applied to every encoded chunk before it is posted back; identity when absent. */
      transform: FrameTransformSpec | undefined;
    }
  /** One camera frame, posted by the page where a stream cannot be transferred (WebKitGTK). */
  | { type: "frame"; frame: VideoFrame }
  /** Codec negotiation: encode in this codec from now on (every layer restarts with a key frame). */
  | { type: "codec"; codecString: string; codec: Codec }
  /** A key frame of one layer, or (layer undefined) of every layer. */
  | { type: "keyframe"; layer: number | undefined }
  /** Which layers to encode (bit i: layer i); the others' encoders are closed. */
  | { type: "layerDemand"; layersMask: number }
  /** Camera off: frames are read and dropped so the capture pipeline does not stall. */
  | { type: "paused"; paused: boolean }
  /** The session's send buffer is full: skip raw frames until it drains. */
  | { type: "congested"; congested: boolean }
  /** Sender adaptation (send-quality-controller.ts): scale bitrates, thin frames, drop top layers. */
  | { type: "adapt"; bitrateScale: number; framerateDivisor: number; layersDropped: number }
  | { type: "stop" };

export type FromVideoEncoder =
  | {
      type: "chunk";
      /** The codec of the encoder that made it (frames in flight across a switch keep theirs). */
      codec: Codec;
      keyframe: boolean;
      captureTimeUs: number;
      durationUs: number;
      layer: number;
      temporalLayer: number;
      payload: ArrayBuffer;
    }
  /** The layers this capture size publishes (sent when the first frame or a new size arrives). */
  | { type: "layers"; layers: LocalVideoLayer[] }
  | {
      type: "stats";
      framesEncoded: number;
      framesSkipped: number;
      /** Camera frames closed unencoded because a newer one came while the encoder was behind. */
      framesStale: number;
      /** Camera frames without a pixel format the encoder reads, redrawn to be encoded (encodable-frame.ts). */
      framesRedrawn: number;
      /** Encoded chunks the frame transform refused (dropped; the next frame is a key frame). */
      transformErrors: number;
      /** The last chunk's output time minus its capture time, ms (NaN before any). */
      captureToEncodedMs: number;
      /** The highest active layer's size. */
      width: number;
      height: number;
      layers: EncoderLayerStats[];
    }
  | { type: "error"; message: string }
  | { type: "stopped" };
