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

/** Bytes that are not a well-formed Packet; `detail` is the decoder's message, safe to log. */
export class PacketDecodeError extends Error {
  override readonly name = "PacketDecodeError";
  constructor(readonly detail: string) {
    super(`malformed packet: ${detail}`);
  }
}

export type DecodeResult = { ok: true; packet: Packet } | { ok: false; error: PacketDecodeError };

/**
 * Decodes a packet from untrusted bytes. Never throws: the generated decoder throws on malformed
 * input (bad tags, wire types, truncation, invalid UTF-8), and every such failure becomes a value.
 */
export function decodePacketSafely(bytes: Uint8Array): DecodeResult {
  try {
    return { ok: true, packet: fromBinary(PacketSchema, bytes) };
  } catch (error) {
    return {
      ok: false,
      error: new PacketDecodeError(error instanceof Error ? error.message : String(error)),
    };
  }
}

/** Decodes a packet; throws a PacketDecodeError on malformed bytes. For trusted input (own encodes, tests). */
export function decodePacket(bytes: Uint8Array): Packet {
  const result = decodePacketSafely(bytes);
  if (!result.ok) throw result.error;
  return result.packet;
}
