/**
 * Latency percentiles from an HdrHistogram (hdr-histogram-js, its pure-JS build: no WebAssembly
 * to load, so it runs the same in Deno, Node and a worker). Recording is O(1) and allocates
 * nothing, so the load generator can record every delivery instead of keeping and sorting them;
 * values keep 3 significant digits (an error below 0.1 %).
 */
import { build, type Histogram } from "hdr-histogram-js";

/** 1 h in µs: anything slower is recorded as this (a delivery that late is lost in all but name). */
const HIGHEST_TRACKABLE_US = 3_600_000_000;

export class LatencyHistogram {
  readonly #histogram: Histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

  /** Records one sample in µs; negative or fractional values are clamped and rounded. */
  recordUs(valueUs: number): void {
    this.#histogram.recordValue(Math.min(HIGHEST_TRACKABLE_US, Math.max(0, Math.round(valueUs))));
  }

  recordMs(valueMs: number): void {
    this.recordUs(valueMs * 1000);
  }

  get count(): number {
    return this.#histogram.totalCount;
  }

  /** The value at `fraction` (0..1) of the samples in µs, or undefined without samples. */
  percentileUs(fraction: number): number | undefined {
    if (this.count === 0) return undefined;
    return this.#histogram.getValueAtPercentile(fraction * 100);
  }

  percentileMs(fraction: number): number | undefined {
    const us = this.percentileUs(fraction);
    return us === undefined ? undefined : us / 1000;
  }

  /** The largest sample in µs (to the histogram's precision), or undefined without samples. */
  get maxUs(): number | undefined {
    return this.count === 0 ? undefined : this.#histogram.maxValue;
  }

  get maxMs(): number | undefined {
    const us = this.maxUs;
    return us === undefined ? undefined : us / 1000;
  }
}

/** Percentiles of a few samples given at once (in ms), e.g. per-run figures of a benchmark. */
export function histogramOfMs(samplesMs: Iterable<number>): LatencyHistogram {
  const histogram = new LatencyHistogram();
  for (const sampleMs of samplesMs) histogram.recordMs(sampleMs);
  return histogram;
}
