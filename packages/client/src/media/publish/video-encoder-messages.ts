/** Messages between a CameraPublisher (page) and its video encoder worker. */
import type { Codec, MediaKind } from "@videocall/protocol";
import type { FrameTransformSpec } from "../transform/frame-transform.ts";

export interface VideoEncoderSettings {
  codecString: string;
  bitrateBps: number;
  framerate: number;
  keyframeIntervalMs: number;
}

export type ToVideoEncoder =
  | {
      type: "start";
      frames: ReadableStream<VideoFrame>;
      settings: VideoEncoderSettings;
      /** The routing fields the frame transform sees (its metadata). */
      track: { trackId: number; kind: MediaKind; codec: Codec };
      /** Applied to every encoded chunk before it is posted back; identity when absent. */
      transform: FrameTransformSpec | undefined;
    }
  | { type: "keyframe" }
  /** Camera off: frames are read and dropped so the capture pipeline does not stall. */
  | { type: "paused"; paused: boolean }
  /** The session's send buffer is full: skip raw frames until it drains. */
  | { type: "congested"; congested: boolean }
  | { type: "stop" };

export type FromVideoEncoder =
  | {
      type: "chunk";
      keyframe: boolean;
      captureTimeUs: number;
      durationUs: number;
      payload: ArrayBuffer;
    }
  | {
      type: "stats";
      framesEncoded: number;
      framesSkipped: number;
      /** Encoded chunks the frame transform refused (dropped; the next frame is a key frame). */
      transformErrors: number;
      width: number;
      height: number;
    }
  | { type: "error"; message: string }
  | { type: "stopped" };
