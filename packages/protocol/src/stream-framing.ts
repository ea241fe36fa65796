/**
 * Packets on a WebTransport stream: each one preceded by its length as a QUIC-style varint
 * (RFC 9000 §16: 1, 2, 4 or 8 bytes, the top two bits giving the size).
 *
 * Why framing and one long-lived stream instead of a stream per packet ended by FIN: Deno's
 * WebTransport send streams never send FIN (denoland/deno#36822), so a stream per message would
 * never be freed and a session would stall after 100 streams. Framing never relies on FIN, so the
 * same code works with and without that bug, in Deno and in browsers.
 */

/** Returns a new buffer holding the varint length followed by the packet. */
export function frameOnStream(packet: Uint8Array): Uint8Array<ArrayBuffer> {
  const length = packet.length;
  const prefixBytes = length < 0x40 ? 1 : length < 0x4000 ? 2 : length < 0x40000000 ? 4 : 8;
  const frame = new Uint8Array(prefixBytes + length);
  if (prefixBytes === 1) frame[0] = length;
  else if (prefixBytes === 2) {
    frame[0] = 0x40 | (length >>> 8);
    frame[1] = length & 0xff;
  } else if (prefixBytes === 4) {
    frame[0] = 0x80 | (length >>> 24);
    frame[1] = (length >>> 16) & 0xff;
    frame[2] = (length >>> 8) & 0xff;
    frame[3] = length & 0xff;
  } else {
    throw new RangeError(`packet of ${length} bytes is too large to frame`);
  }
  frame.set(packet, prefixBytes);
  return frame;
}

export class FrameTooLargeError extends Error {
  override readonly name = "FrameTooLargeError";
  constructor(
    readonly frameBytes: number,
    readonly maxBytes: number,
  ) {
    super(`frame of ${frameBytes} bytes exceeds the ${maxBytes}-byte limit`);
  }
}

/**
 * Reassembles packets from stream chunks, which may split or join frames anywhere.
 * A declared length over `maxFrameBytes` throws before anything is buffered for it.
 */
export class StreamDeframer {
  readonly #maxFrameBytes: number;
  #buffer: Uint8Array = new Uint8Array(0);
  #start = 0;
  #end = 0;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received that do not yet form a whole frame. */
  get pendingBytes(): number {
    return this.#end - this.#start;
  }

  /** Adds a chunk and calls `onPacket` for every complete packet (views into an internal buffer: copy to keep). */
  push(chunk: Uint8Array, onPacket: (packet: Uint8Array) => void): void {
    this.#append(chunk);
    for (;;) {
      const available = this.#end - this.#start;
      if (available < 1) return;
      const first = this.#buffer[this.#start] as number;
      const prefixBytes = 1 << (first >>> 6);
      if (available < prefixBytes) return;
      if (prefixBytes === 8) throw new FrameTooLargeError(Number.MAX_SAFE_INTEGER, this.#maxFrameBytes);
      let length = first & 0x3f;
      for (let i = 1; i < prefixBytes; i++) length = length * 256 + (this.#buffer[this.#start + i] as number);
      if (length > this.#maxFrameBytes) throw new FrameTooLargeError(length, this.#maxFrameBytes);
      if (available < prefixBytes + length) return;
      const packetStart = this.#start + prefixBytes;
      this.#start = packetStart + length;
      onPacket(this.#buffer.subarray(packetStart, this.#start));
    }
  }

  #append(chunk: Uint8Array): void {
    if (this.#start === this.#end) {
      // Nothing pending: parse the chunk in place (the common case, no copy).
      this.#buffer = chunk;
      this.#start = 0;
      this.#end = chunk.length;
      return;
    }
    const pending = this.#buffer.subarray(this.#start, this.#end);
    const joined = new Uint8Array(pending.length + chunk.length);
    joined.set(pending);
    joined.set(chunk, pending.length);
    this.#buffer = joined;
    this.#start = 0;
    this.#end = joined.length;
  }
}
