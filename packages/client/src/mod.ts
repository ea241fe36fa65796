export {
  type E2eeOptions,
  type E2eeStats,
  MeetingE2ee,
  type PeerE2eeState,
} from "./e2ee/meeting-e2ee.ts";
export * as e2ee from "./e2ee/mod.ts";
export * from "./emitter.ts";
export * from "./errors.ts";
// Pure (no browser APIs): the CLI publishes the same simulcast ladder as the browser.
export { ALL_LAYERS_MASK, SIMULCAST_LADDER, simulcastLayers } from "./media/publish/simulcast-layers.ts";
// The frame-transform seam runs in browsers, workers and Deno alike (the CLI uses it too).
export {
  type FrameDecodeOutcome,
  type FrameMetadata,
  type FrameTransform,
  type FrameTransformConfig,
  type FrameTransformContext,
  FrameTransformError,
  type FrameTransformErrorReason,
  type FrameTransformModule,
  type FrameTransformSpec,
  identityTransform,
  loadFrameTransform,
  specFor,
} from "./media/transform/frame-transform.ts";
export { OrderedFrameTransform } from "./media/transform/ordered-frame-transform.ts";
export {
  type Connected,
  type ConnectOptions,
  connectToMeeting,
  lobbyUrl,
  type TransportPreference,
} from "./session/connect.ts";
export * from "./session/local-track.ts";
export * from "./session/meeting-session.ts";
export * from "./session/session-chat.ts";
export {
  chooseVideoCodec,
  VideoCodecNegotiator,
  type VideoCodecNegotiatorEvents,
  type VideoCodecNegotiatorOptions,
} from "./session/video-codec-negotiation.ts";
export * from "./time.ts";
export type { PacketTransport, TransportKind } from "./transport/packet-transport.ts";
export {
  inMemoryTransportMemory,
  type KeyValueStorage,
  processTransportMemory,
  storageTransportMemory,
  type TransportMemory,
  transportMemoryOrigin,
} from "./transport/transport-memory.ts";
