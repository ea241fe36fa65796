import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { type Packet, PacketSchema } from "./gen/videocall/v1/packet_pb.ts";

export type PacketInit = MessageInitShape<typeof PacketSchema>;

/**
 * Encodes a packet with the routing stamp placeholder (from_session_id = 0) as its first field,
 * so the relay can stamp the sender in place without copying the packet.
 */
export function encodePacket(init: PacketInit): Uint8Array<ArrayBuffer> {
  // toBinary always allocates a fresh ArrayBuffer; say so, for APIs that refuse SharedArrayBuffer views.
  return toBinary(
    PacketSchema,
    create(PacketSchema, { ...init, fromSessionId: 0 }),
  ) as Uint8Array<ArrayBuffer>;
}

/** Decodes a packet; throws on malformed bytes. */
export function decodePacket(bytes: Uint8Array): Packet {
  return fromBinary(PacketSchema, bytes);
}
