/**
 * Incremental reader for a live IVF stream (ffmpeg `-f ivf pipe:1`): a 32-byte `DKIF` file header,
 * then per frame a 12-byte header (u32le size, u64le pts in the header's time base) and the frame.
 * Chunks from a pipe split headers and frames anywhere, so bytes are buffered until a frame is whole.
 */

export interface IvfHeader {
  /** "VP80", "VP90", "AV01"… */
  fourcc: string;
  width: number;
  height: number;
  timebaseNumerator: number;
  timebaseDenominator: number;
}

export interface IvfFrame {
  /** Presentation time in the header's time base. */
  pts: number;
  payload: Uint8Array;
}

const FILE_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 12;
/** Larger than any sane compressed frame; a bigger size means the stream is not IVF or is corrupt. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export class IvfFormatError extends Error {
  override readonly name = "IvfFormatError";
}

export class IvfReader {
  #buffer: Uint8Array = new Uint8Array(0);
  #header: IvfHeader | undefined;

  get header(): IvfHeader | undefined {
    return this.#header;
  }

  /** Appends bytes from the stream and returns every frame now complete, in order. */
  push(chunk: Uint8Array): IvfFrame[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : concat(this.#buffer, chunk);
    const frames: IvfFrame[] = [];
    let offset = 0;
    if (!this.#header) {
      if (this.#buffer.length < FILE_HEADER_BYTES) return frames;
      this.#header = parseFileHeader(this.#buffer);
      offset = FILE_HEADER_BYTES;
    }
    const view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset, this.#buffer.byteLength);
    while (this.#buffer.length - offset >= FRAME_HEADER_BYTES) {
      const size = view.getUint32(offset, true);
      if (size > MAX_FRAME_BYTES) throw new IvfFormatError(`IVF frame of ${size} bytes: stream is corrupt`);
      if (this.#buffer.length - offset - FRAME_HEADER_BYTES < size) break;
      const pts = Number(view.getBigUint64(offset + 4, true));
      const start = offset + FRAME_HEADER_BYTES;
      // A copy, so the caller may keep it after the buffer is reused.
      frames.push({ pts, payload: this.#buffer.slice(start, start + size) });
      offset = start + size;
    }
    this.#buffer = this.#buffer.subarray(offset);
    return frames;
  }
}

function parseFileHeader(bytes: Uint8Array): IvfHeader {
  const signature = String.fromCharCode(...bytes.subarray(0, 4));
  if (signature !== "DKIF") throw new IvfFormatError(`not an IVF stream (starts with "${signature}")`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, FILE_HEADER_BYTES);
  const headerBytes = view.getUint16(6, true);
  if (headerBytes !== FILE_HEADER_BYTES) throw new IvfFormatError(`IVF header of ${headerBytes} bytes`);
  return {
    fourcc: String.fromCharCode(...bytes.subarray(8, 12)),
    width: view.getUint16(12, true),
    height: view.getUint16(14, true),
    timebaseDenominator: view.getUint32(16, true),
    timebaseNumerator: view.getUint32(20, true),
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}
