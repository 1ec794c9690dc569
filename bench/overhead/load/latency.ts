// Latency histograms (hdr-histogram-js, microsecond values) and the summary every report row
// carries. Both generators go through here, so their percentiles are computed the same way.
import * as hdr from "hdr-histogram-js";

/** Percentiles in milliseconds, three decimals (the histogram keeps 3 significant digits). */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export type Histogram = hdr.Histogram;

/** Microseconds from 1 µs to 10 minutes, 3 significant digits: 0.1 % error at any value. */
export function newHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

export function recordMs(histogram: Histogram, milliseconds: number): void {
  histogram.recordValue(Math.max(1, Math.round(milliseconds * 1000)));
}

const ms = (microseconds: number) => Math.round(microseconds) / 1000;

export function summarize(histogram: Histogram): LatencySummary | null {
  if (histogram.totalCount === 0) return null;
  return {
    count: histogram.totalCount,
    mean: ms(histogram.mean),
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
  };
}
