/**
 * The arithmetic of the benchmark: percentiles, medians, ratios. Pure
 * functions, unit-tested in test/bench/stats.test.ts.
 */

/**
 * The p-th percentile (0..100) of `values`, linearly interpolated between the
 * two nearest ranks (the "R-7" method of numpy and spreadsheets). NaN when empty.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is not within 0..100`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low]!;
  return lowValue + (sorted[high]! - lowValue) * (rank - low);
}

/** The median (the 50th percentile). NaN when empty. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** `numerator / denominator`, or NaN when the denominator is not a positive number. */
export function ratio(numerator: number, denominator: number): number {
  return denominator > 0 && Number.isFinite(numerator) ? numerator / denominator : Number.NaN;
}

/** Round to `digits` decimals; NaN and infinities become null (JSON has no NaN). */
export function rounded(value: number, digits = 2): number | null {
  if (!Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Tasks per second of `count` tasks done in `millis`. NaN for an empty window. */
export function perSecond(count: number, millis: number): number {
  return millis > 0 ? (count * 1000) / millis : Number.NaN;
}
