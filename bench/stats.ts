/**
 * Small statistics for the benchmarks: quantiles by linear interpolation, medians, and a summary
 * with the spread shown as min–max and the interquartile range.
 */

/** Median, quartiles and extremes of a list of numbers. */
export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  p25: number;
  p75: number;
}

/** The `q`-quantile (0 ≤ q ≤ 1) of `values`, interpolating between ranks; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  return quantileSorted(
    [...values].sort((a, b) => a - b),
    q,
  );
}

function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(Math.max(q, 0), 1) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

/** The median of `values`; NaN when empty. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Median, quartiles and extremes of `values`. */
export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    median: median(values),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
    p25: quantile(values, 0.25),
    p75: quantile(values, 0.75),
  };
}

/** Percentiles of a (possibly large) sample of latencies, in the sample's unit. */
export function percentiles(values: readonly number[]): {
  n: number;
  p50: number;
  p99: number;
  max: number;
} {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => quantileSorted(sorted, q);
  return {
    n: sorted.length,
    p50: at(0.5),
    p99: at(0.99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/** Rounds to `digits` significant-looking decimals for reports (keeps integers as they are). */
export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** "median (min–max)" for a report table. */
export function spread(s: Summary, digits = 2): string {
  if (s.n === 0) return 'n/a';
  if (s.n === 1) return `${round(s.median, digits)}`;
  return `${round(s.median, digits)} (${round(s.min, digits)}–${round(s.max, digits)})`;
}
