/** Recording received media to WebM without transcoding (CLI `receive`, the server's recorder). */
export { isVpxKeyframe, type KeyframeInfo, type VpxCodec, vpxKeyframeInfo } from "./vpx-bitstream.ts";
export { WebmTrackWriter, type WebmTrackWriterOptions } from "./webm-track-writer.ts";
