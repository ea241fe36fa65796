export * as e2ee from "./e2ee/mod.ts";
export * from "./emitter.ts";
export * from "./errors.ts";
export { type ConnectOptions, lobbyUrl, type TransportPreference } from "./session/connect.ts";
export * from "./session/local-track.ts";
export * from "./session/meeting-session.ts";
export * from "./time.ts";
export type { PacketTransport, TransportKind } from "./transport/packet-transport.ts";
