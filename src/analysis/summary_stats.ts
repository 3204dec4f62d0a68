// Descriptive statistics of plain number arrays (mean, sample std, quantiles with linear interpolation,
// NumPy's default 'linear' method), shared by every statistic of this module.

export interface Summary {
  count: number;
  mean: number;
  /** Sample standard deviation (n - 1); 0 for a single value. */
  std: number;
  min: number;
  q25: number;
  median: number;
  q75: number;
  max: number;
}

/** Quantile q in [0, 1] of ascending-sorted values, linear interpolation between order statistics. */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Median (the mean of the two middle values for an even count); NaN for an empty input. */
export function median(values: ArrayLike<number>): number {
  return sortedQuantile(Float64Array.from(values).sort(), 0.5);
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return values.length === 0 ? Number.NaN : s / values.length;
}

/** Summary of `values`; NaN fields for an empty input (count 0). */
export function summarize(values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const m = mean(sorted);
  let ss = 0;
  for (const v of sorted) ss += (v - m) ** 2;
  return {
    count: n,
    mean: m,
    std: n > 1 ? Math.sqrt(ss / (n - 1)) : n === 1 ? 0 : Number.NaN,
    min: n > 0 ? sorted[0]! : Number.NaN,
    q25: sortedQuantile(sorted, 0.25),
    median: sortedQuantile(sorted, 0.5),
    q75: sortedQuantile(sorted, 0.75),
    max: n > 0 ? sorted[n - 1]! : Number.NaN,
  };
}
