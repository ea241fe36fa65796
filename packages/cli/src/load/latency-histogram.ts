/**
 * Latency percentiles from an HdrHistogram (hdr-histogram-js, its pure-JS build: no WebAssembly
 * to load, so it runs the same in Deno, Node and a worker). Recording is O(1) and allocates
 * nothing, so the load generator can record every delivery instead of keeping and sorting them;
 * values keep 3 significant digits (an error below 0.1 %).
 */
import { build, type Histogram } from "hdr-histogram-js";

/** 1 h in µs: anything slower is recorded as this (a delivery that late is lost in all but name). */
const HIGHEST_TRACKABLE_US = 3_600_000_000;

export interface LatencyHistogramOptions {
  /** The smallest step it records, in µs (default 1); 0.001 for timings of a few µs. */
  precisionUs?: number;
}

export class LatencyHistogram {
  readonly #precisionUs: number;
  readonly #highestSteps: number;
  readonly #histogram: Histogram;

  constructor(options: LatencyHistogramOptions = {}) {
    this.#precisionUs = options.precisionUs ?? 1;
    this.#highestSteps = Math.round(HIGHEST_TRACKABLE_US / this.#precisionUs);
    this.#histogram = build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: this.#highestSteps,
      numberOfSignificantValueDigits: 3,
      useWebAssembly: false,
    });
  }

  /** Records one sample in µs; negative values count as 0, slower than 1 h as 1 h. */
  recordUs(valueUs: number): void {
    const steps = Math.round(valueUs / this.#precisionUs);
    this.#histogram.recordValue(Math.min(this.#highestSteps, Math.max(0, steps)));
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
    return this.#histogram.getValueAtPercentile(fraction * 100) * this.#precisionUs;
  }

  percentileMs(fraction: number): number | undefined {
    const us = this.percentileUs(fraction);
    return us === undefined ? undefined : us / 1000;
  }

  /** The largest sample in µs (to the histogram's precision), or undefined without samples. */
  get maxUs(): number | undefined {
    return this.count === 0 ? undefined : this.#histogram.maxValue * this.#precisionUs;
  }

  get maxMs(): number | undefined {
    const us = this.maxUs;
    return us === undefined ? undefined : us / 1000;
  }
}

/** A histogram of samples given at once, in ms (e.g. a benchmark's per-frame latencies). */
export function histogramOfMs(
  samplesMs: Iterable<number>,
  options?: LatencyHistogramOptions,
): LatencyHistogram {
  const histogram = new LatencyHistogram(options);
  for (const sampleMs of samplesMs) histogram.recordMs(sampleMs);
  return histogram;
}

/** The same for samples in µs. */
export function histogramOfUs(
  samplesUs: Iterable<number>,
  options?: LatencyHistogramOptions,
): LatencyHistogram {
  const histogram = new LatencyHistogram(options);
  for (const sampleUs of samplesUs) histogram.recordUs(sampleUs);
  return histogram;
}
