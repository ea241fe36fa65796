/**
 * Incremental reader for live Annex-B H.264 (ffmpeg `-f h264 pipe:1`, ITU-T H.264 Annex B): NAL
 * units behind 3- or 4-byte start codes, with no lengths and no frame boundaries. ffmpeg's
 * `h264_metadata=aud=insert` puts an access unit delimiter (NAL type 9) before every picture, so an
 * access unit ends where the next AUD starts; the last one ends at EOF (`flush`).
 *
 * Access units are returned whole, start codes included: WebCodecs decodes Annex-B directly when it
 * is configured without a `description`, with the SPS and PPS inline before each IDR picture.
 */

export interface AccessUnit {
  /** Holds an IDR slice (NAL type 5): decodable without any earlier picture. */
  keyframe: boolean;
  payload: Uint8Array;
}

export const NAL_TYPE = { IDR_SLICE: 5, SPS: 7, PPS: 8, ACCESS_UNIT_DELIMITER: 9 } as const;

/** Larger than any sane access unit; reached when the stream has no AUDs to split on, or is not H.264. */
const MAX_ACCESS_UNIT_BYTES = 16 * 1024 * 1024;

export class AnnexBFormatError extends Error {
  override readonly name = "AnnexBFormatError";
}

export class AnnexBReader {
  #buffer: Uint8Array = new Uint8Array(0);
  /** Where the next start code search resumes: everything before it has been scanned. */
  #scanFrom = 0;
  /** Whether the access unit at the start of the buffer has a NAL unit yet, and an IDR slice. */
  #hasNal = false;
  #keyframe = false;

  /** Appends bytes from the stream and returns every access unit now complete, in order. */
  push(chunk: Uint8Array): AccessUnit[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : concat(this.#buffer, chunk);
    const units: AccessUnit[] = [];
    const buffer = this.#buffer;
    let unitStart = 0;
    let i = this.#scanFrom;
    // A start code is 00 00 01 followed by the NAL header byte, which must have arrived too.
    while (i + 3 < buffer.length) {
      if (buffer[i + 2]! > 1) {
        i += 3;
        continue;
      }
      if (buffer[i] !== 0 || buffer[i + 1] !== 0 || buffer[i + 2] !== 1) {
        i++;
        continue;
      }
      const nalType = buffer[i + 3]! & 0x1f;
      if (nalType === NAL_TYPE.ACCESS_UNIT_DELIMITER && this.#hasNal) {
        // Zero bytes before 00 00 01 (the 4-byte start code's leading zero, trailing_zero_8bits)
        // belong to the next unit: a NAL unit never ends in a zero byte.
        let end = i;
        while (end > unitStart && buffer[end - 1] === 0) end--;
        units.push({ keyframe: this.#keyframe, payload: buffer.slice(unitStart, end) });
        unitStart = end;
        this.#keyframe = false;
      }
      this.#hasNal = true;
      if (nalType === NAL_TYPE.IDR_SLICE) this.#keyframe = true;
      i += 4;
    }
    this.#buffer = buffer.subarray(unitStart);
    this.#scanFrom = i - unitStart;
    if (this.#buffer.length > MAX_ACCESS_UNIT_BYTES) {
      throw new AnnexBFormatError(
        `no access unit delimiter in ${MAX_ACCESS_UNIT_BYTES} bytes: not H.264, or ffmpeg ran without -bsf:v h264_metadata=aud=insert`,
      );
    }
    return units;
  }

  /** The stream ended: returns the last access unit, which no following AUD will close. */
  flush(): AccessUnit[] {
    const rest = this.#buffer;
    const units = this.#hasNal ? [{ keyframe: this.#keyframe, payload: rest.slice() }] : [];
    this.#buffer = new Uint8Array(0);
    this.#scanFrom = 0;
    this.#hasNal = false;
    this.#keyframe = false;
    return units;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}
