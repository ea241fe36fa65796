/** Messages between a VideoWatcher (page) and its decoder worker, which renders to an OffscreenCanvas. */
export type ToVideoDecoder =
  | { type: "init"; canvas: OffscreenCanvas }
  | { type: "configure"; codecString: string }
  | { type: "chunk"; keyframe: boolean; timestampUs: number; payload: ArrayBuffer }
  | { type: "clear" }
  | { type: "close" };

export type FromVideoDecoder =
  /** `chunksHandled`: chunks taken from the message queue so far (decoded, dropped or failed). */
  | { type: "stats"; framesDecoded: number; chunksHandled: number; width: number; height: number }
  /** The decoder failed and was reset: the page must ask the publisher for a key frame. */
  | { type: "error"; message: string };
