import { describe, expect, it } from 'vitest';
import { median, percentile, perSecond, ratio, rounded } from '../../bench/stats.js';

describe('percentile', () => {
  it('interpolates linearly between the nearest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 25)).toBe(20);
    expect(percentile([0, 100], 99)).toBeCloseTo(99);
  });

  it('does not depend on the input order and does not reorder the input', () => {
    const values = [5, 1, 4, 2, 3];
    expect(percentile(values, 50)).toBe(3);
    expect(values).toEqual([5, 1, 4, 2, 3]);
  });

  it('gives the extremes at 0 and 100, and the value itself for one sample', () => {
    expect(percentile([3, 9, 1], 0)).toBe(1);
    expect(percentile([3, 9, 1], 100)).toBe(9);
    expect(percentile([7], 99)).toBe(7);
  });

  it('p99 of 1..100 sits just below the maximum', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 99)).toBeCloseTo(99.01);
  });

  it('is NaN for no samples and refuses a percentile out of range', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
  });
});

describe('median, ratio, perSecond, rounded', () => {
  it('median of an odd and an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('ratio is NaN when the baseline is missing or zero', () => {
    expect(ratio(700, 1000)).toBe(0.7);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(1, Number.NaN)).toBeNaN();
    expect(ratio(Number.NaN, 2)).toBeNaN();
  });

  it('perSecond converts a count over milliseconds', () => {
    expect(perSecond(2000, 4000)).toBe(500);
    expect(perSecond(1, 0)).toBeNaN();
  });

  it('rounded turns non-finite values into null (JSON has no NaN)', () => {
    expect(rounded(1.23456, 2)).toBe(1.23);
    expect(rounded(Number.NaN)).toBeNull();
    expect(rounded(Number.POSITIVE_INFINITY)).toBeNull();
  });
});
