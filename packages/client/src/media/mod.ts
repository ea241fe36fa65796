/**
 * @videocall/client/media: capture → encode → MeetingSession on the publish side, and
 * MeetingSession → jitter buffer / decode → render on the watch side. Browser only (WebCodecs,
 * MediaStreamTrackProcessor, AudioWorklet, OffscreenCanvas), except the pure JitterBuffer.
 */
export { OpusEncoder } from "./publish/audio-encoder.ts";
export { AudioLevelMeter, audioLevelFromRms } from "./publish/audio-level.ts";
export {
  CameraPublisher,
  type CameraPublisherOptions,
  type CameraPublisherStats,
  type SendAdaptationStats,
} from "./publish/camera-publisher.ts";
export {
  type AudioProcessing,
  applyAudioProcessing,
  DEFAULT_AUDIO_PROCESSING,
  type DeviceKind,
  listDevices,
  MediaAccessError,
  type MediaAccessReason,
  type MediaDeviceChoice,
  openCamera,
  openMicrophone,
} from "./publish/local-devices.ts";
export { MicrophonePublisher, type MicrophonePublisherOptions } from "./publish/microphone-publisher.ts";
export { ALL_LAYERS_MASK, SIMULCAST_LADDER, simulcastLayers } from "./publish/simulcast-layers.ts";
export type { EncoderLayerStats } from "./publish/video-encoder-messages.ts";
export {
  audioCaptureMethod,
  detectCapabilities,
  type MediaCapabilities,
  type MissingCapability,
  missingCapabilities,
  videoCaptureMethod,
} from "./support/capabilities.ts";
export {
  probeVideoCodecs,
  publishPreferences,
  undecodableCodecs,
  type VideoCodecSupport,
} from "./support/codec-support.ts";
export { VIDEO_CODECS, type VideoCodecChoice, videoCodecChoiceOf } from "./tracks.ts";
export { AudioOutput } from "./watch/audio-output.ts";
export type { PlayoutStats } from "./watch/audio-playout-messages.ts";
export { AudioWatcher, type AudioWatcherOptions, type AudioWatcherStats } from "./watch/audio-watcher.ts";
export {
  JitterBuffer,
  type JitterBufferOptions,
  type JitterBufferStats,
  type PlayoutSlot,
} from "./watch/jitter-buffer.ts";
export { KeyframeRequester } from "./watch/keyframe-requester.ts";
export { MeetingWatcher, type MeetingWatcherEvents } from "./watch/meeting-watcher.ts";
export { type PeerStats, RemotePeer, type RemotePeerOptions } from "./watch/remote-peer.ts";
export {
  RemoteAudioTrack,
  type RemoteAudioTrackStats,
  type RemoteTrack,
  type RemoteTrackKind,
  RemoteVideoTrack,
  type RemoteVideoTrackStats,
} from "./watch/remote-track.ts";
export { VideoWatcher, type VideoWatcherOptions, type VideoWatcherStats } from "./watch/video-watcher.ts";
