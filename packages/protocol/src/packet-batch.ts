/**
 * Protocol v3 WebSocket batches: a binary message from the relay is one or more packets, each
 * preceded by its length as a QUIC varint, the framing WebTransport streams use (stream-framing.ts).
 * The relay coalesces what one subscriber gets within one event-loop turn into one message, so a
 * WebSocket send (a runtime call, a frame header and a write per message) is paid per turn, not
 * per packet. Clients still send one packet per message. Before v3 every message is one packet.
 */

/** The first protocol version whose relay-to-client WebSocket messages are batches. */
export const BATCHED_WEBSOCKET_VERSION = 3;

/** Bytes of the varint length prefix for a packet of `length` bytes (1, 2 or 4; packets stay under 1 GiB). */
export function framePrefixBytes(length: number): number {
  return length < 0x40 ? 1 : length < 0x4000 ? 2 : 4;
}

/** Writes the varint prefix of a `length`-byte packet at `offset`; returns the offset after it. */
export function writeFramePrefix(target: Uint8Array, offset: number, length: number): number {
  if (length < 0x40) {
    target[offset] = length;
    return offset + 1;
  }
  if (length < 0x4000) {
    target[offset] = 0x40 | (length >>> 8);
    target[offset + 1] = length & 0xff;
    return offset + 2;
  }
  if (length >= 0x40000000) throw new RangeError(`packet of ${length} bytes is too large to frame`);
  target[offset] = 0x80 | (length >>> 24);
  target[offset + 1] = (length >>> 16) & 0xff;
  target[offset + 2] = (length >>> 8) & 0xff;
  target[offset + 3] = length & 0xff;
  return offset + 4;
}

/**
 * Builds batches in one buffer that grows as needed and is reused: `append` packets, send
 * `bytes` (a view, valid until the next `reset` or `append`: send it before touching the writer
 * again; WebSocket.send copies), then `reset`.
 */
export class PacketBatchWriter {
  #buffer: Uint8Array;
  #length = 0;
  #packets = 0;

  constructor(initialBytes = 64 * 1024) {
    this.#buffer = new Uint8Array(initialBytes);
  }

  get packetCount(): number {
    return this.#packets;
  }

  get byteLength(): number {
    return this.#length;
  }

  append(packet: Uint8Array): void {
    const needed = this.#length + 4 + packet.length;
    if (needed > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    const at = writeFramePrefix(this.#buffer, this.#length, packet.length);
    this.#buffer.set(packet, at);
    this.#length = at + packet.length;
    this.#packets++;
  }

  /** The batch so far, as a view into the writer's buffer. */
  get bytes(): Uint8Array<ArrayBuffer> {
    return this.#buffer.subarray(0, this.#length) as Uint8Array<ArrayBuffer>;
  }

  /** Empties the batch; a buffer grown far past `keepBytes` by one huge batch is let go. */
  reset(keepBytes = 1024 * 1024): void {
    this.#length = 0;
    this.#packets = 0;
    if (this.#buffer.length > keepBytes) this.#buffer = new Uint8Array(keepBytes);
  }
}

/** Why a message is not a valid batch. */
export type BatchProblem =
  | { kind: "empty" }
  /** A length prefix or a packet runs past the end of the message. */
  | { kind: "truncated"; atByte: number }
  /** A packet of length 0 (a packet always has a body). */
  | { kind: "empty-packet"; atByte: number }
  /** A declared length over the limit (or an 8-byte prefix). */
  | { kind: "too-large"; frameBytes: number; maxBytes: number };

/**
 * Splits a batch message into its packets, calling `onPacket` with views into `message` (copy to
 * keep). The whole message is checked before any packet is handed over, so a bad batch delivers
 * nothing and returns what is wrong with it; never throws on any input.
 */
export function forEachPacketInBatch(
  message: Uint8Array,
  maxPacketBytes: number,
  onPacket: (packet: Uint8Array) => void,
): BatchProblem | undefined {
  const problem = checkBatch(message, maxPacketBytes);
  if (problem) return problem;
  let offset = 0;
  while (offset < message.length) {
    const { length, prefixBytes } = readPrefix(message, offset);
    const start = offset + prefixBytes;
    offset = start + length;
    onPacket(message.subarray(start, offset));
  }
  return undefined;
}

/** The problem with `message` as a batch, or undefined when every frame is whole and within the limit. */
export function checkBatch(message: Uint8Array, maxPacketBytes: number): BatchProblem | undefined {
  if (message.length === 0) return { kind: "empty" };
  let offset = 0;
  while (offset < message.length) {
    const prefixBytes = 1 << ((message[offset] as number) >>> 6);
    if (prefixBytes === 8)
      return { kind: "too-large", frameBytes: Number.MAX_SAFE_INTEGER, maxBytes: maxPacketBytes };
    if (offset + prefixBytes > message.length) return { kind: "truncated", atByte: offset };
    const { length } = readPrefix(message, offset);
    if (length === 0) return { kind: "empty-packet", atByte: offset };
    if (length > maxPacketBytes) return { kind: "too-large", frameBytes: length, maxBytes: maxPacketBytes };
    if (offset + prefixBytes + length > message.length) return { kind: "truncated", atByte: offset };
    offset += prefixBytes + length;
  }
  return undefined;
}

export function describeBatchProblem(problem: BatchProblem): string {
  switch (problem.kind) {
    case "empty":
      return "empty batch message";
    case "truncated":
      return `batch truncated: the frame at byte ${problem.atByte} runs past the message`;
    case "empty-packet":
      return `batch holds an empty packet at byte ${problem.atByte}`;
    case "too-large":
      return `batch frame of ${problem.frameBytes} bytes exceeds the ${problem.maxBytes}-byte limit`;
  }
}

const prefixScratch = { length: 0, prefixBytes: 0 };

/** Reads the 1, 2 or 4-byte prefix at `offset` (the caller checked that it fits). Reuses one result object. */
function readPrefix(message: Uint8Array, offset: number): { length: number; prefixBytes: number } {
  const first = message[offset] as number;
  const prefixBytes = 1 << (first >>> 6);
  let length = first & 0x3f;
  for (let i = 1; i < prefixBytes; i++) length = length * 256 + (message[offset + i] as number);
  prefixScratch.length = length;
  prefixScratch.prefixBytes = prefixBytes;
  return prefixScratch;
}
