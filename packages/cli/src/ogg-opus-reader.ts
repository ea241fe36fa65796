/**
 * Incremental reader of Opus packets from a live Ogg stream (ffmpeg `-c:a libopus -f ogg pipe:1`,
 * RFC 7845). Reassembles packets from the page segment tables (a 255-byte lacing value continues
 * the packet, also across pages) and drops the two header packets, OpusHead and OpusTags.
 */

const PAGE_HEADER_BYTES = 27;
const CAPTURE_PATTERN = [0x4f, 0x67, 0x67, 0x53]; // "OggS"

export class OggFormatError extends Error {
  override readonly name = "OggFormatError";
}

export class OggOpusReader {
  #buffer: Uint8Array = new Uint8Array(0);
  /** Parts of a packet that continues on the next page. */
  #partial: Uint8Array[] = [];
  #headerPacketsSeen = 0;
  #channelCount: number | undefined;

  /** From OpusHead, once it has been read. */
  get channelCount(): number | undefined {
    return this.#channelCount;
  }

  /** Appends bytes from the stream and returns every Opus audio packet now complete, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : concat([this.#buffer, chunk]);
    const packets: Uint8Array[] = [];
    let offset = 0;
    while (this.#buffer.length - offset >= PAGE_HEADER_BYTES) {
      const page = this.#buffer;
      for (let i = 0; i < 4; i++) {
        if (page[offset + i] !== CAPTURE_PATTERN[i]) throw new OggFormatError("lost Ogg page sync");
      }
      const segmentCount = page[offset + 26]!;
      const tableEnd = offset + PAGE_HEADER_BYTES + segmentCount;
      if (page.length < tableEnd) break;
      let bodyBytes = 0;
      for (let i = offset + PAGE_HEADER_BYTES; i < tableEnd; i++) bodyBytes += page[i]!;
      if (page.length < tableEnd + bodyBytes) break;
      let position = tableEnd;
      for (let i = offset + PAGE_HEADER_BYTES; i < tableEnd; i++) {
        const lacing = page[i]!;
        this.#partial.push(page.slice(position, position + lacing));
        position += lacing;
        if (lacing < 255) this.#completePacket(packets);
      }
      offset = tableEnd + bodyBytes;
    }
    this.#buffer = this.#buffer.subarray(offset);
    return packets;
  }

  #completePacket(out: Uint8Array[]): void {
    const packet = this.#partial.length === 1 ? this.#partial[0]! : concat(this.#partial);
    this.#partial = [];
    if (this.#headerPacketsSeen === 0) {
      if (String.fromCharCode(...packet.subarray(0, 8)) !== "OpusHead")
        throw new OggFormatError("the Ogg stream is not Opus (no OpusHead)");
      this.#channelCount = packet[9];
      this.#headerPacketsSeen++;
      return;
    }
    if (this.#headerPacketsSeen === 1) {
      this.#headerPacketsSeen++; // OpusTags
      return;
    }
    if (packet.length > 0) out.push(packet);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
