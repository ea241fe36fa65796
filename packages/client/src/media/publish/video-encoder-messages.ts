/** Messages between a CameraPublisher (page) and its video encoder worker. */
export interface VideoEncoderSettings {
  codecString: string;
  bitrateBps: number;
  framerate: number;
  keyframeIntervalMs: number;
}

export type ToVideoEncoder =
  | { type: "start"; frames: ReadableStream<VideoFrame>; settings: VideoEncoderSettings }
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
  | { type: "stats"; framesEncoded: number; framesSkipped: number; width: number; height: number }
  | { type: "error"; message: string }
  | { type: "stopped" };
