export * from "./emitter.ts";
export * from "./errors.ts";
export * from "./session/meeting-session.ts";
export * from "./time.ts";
export type { PacketTransport, TransportKind } from "./transport/packet-transport.ts";
