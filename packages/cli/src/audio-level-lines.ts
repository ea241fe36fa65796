/**
 * The CLI's audio has no PCM of its own (ffmpeg encodes the Opus), so ffmpeg measures it: this
 * filter runs before the encoder on 20 ms blocks of 48 kHz mono (one per Opus frame; it is what
 * the encoder is given anyway) and prints each block's RMS
 * in dBFS to stderr (`ametadata` writes to pipe:2; the backslash escapes the colon inside the
 * filter graph; `direct=1` writes each line at once: buffered, the first levels came after ~5 s, and a
 * short call's audio all read as silence and was cut by top-3 audio). `AudioLevelLines` reads those lines back into Media.audio_level.
 */
export function audioLevelFilter(samplesPerFrame: number): string {
  return (
    `aformat=sample_rates=48000:channel_layouts=mono,asetnsamples=n=${samplesPerFrame}:p=0,` +
    "astats=metadata=1:reset=1," +
    "ametadata=mode=print:key=lavfi.astats.Overall.RMS_level:file=pipe\\\\:2:direct=1"
  );
}

const LEVEL_LINE = /^lavfi\.astats\.Overall\.RMS_level=(\S+)$/;
/** ametadata prints one of these before each block's value. */
const FRAME_LINE = /^frame:\d+\s+pts:/;

/** The most recent audio level ffmpeg reported, on Media.audio_level's scale (0 silent .. 127 full scale). */
export class AudioLevelLines {
  #latest = 0;

  get latest(): number {
    return this.#latest;
  }

  /** Takes one stderr line; true when it was a level report (not an error message to keep). */
  accept(line: string): boolean {
    if (FRAME_LINE.test(line)) return true;
    const match = LEVEL_LINE.exec(line);
    if (!match) return false;
    const dBFS = Number.parseFloat(match[1] ?? "");
    // "-inf" (digital silence) parses as -Infinity, "nan" as NaN: both silent.
    this.#latest = Number.isFinite(dBFS) ? Math.min(127, Math.max(0, Math.round(127 + dBFS))) : 0;
    return true;
  }
}
