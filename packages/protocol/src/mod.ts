export * from "./close-codes.ts";
export * from "./codec.ts";
export * from "./gen/videocall/v1/bus_pb.ts";
export * from "./gen/videocall/v1/packet_pb.ts";
export * from "./limits.ts";
export * from "./lobby.ts";
export * from "./routing-header.ts";
export * from "./stream-framing.ts";
