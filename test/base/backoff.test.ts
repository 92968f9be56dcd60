import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../base/backoff.js';

describe('backoffDelay', () => {
  const policy = { baseMillis: 500, maxMillis: 30_000 };

  it('grows exponentially and is capped', () => {
    const top = (attempt: number) => backoffDelay(policy, attempt, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(top)).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('is jittered within [half, full] of the step', () => {
    expect(backoffDelay(policy, 3, () => 0)).toBe(1000);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(1500);
    const samples = new Set(Array.from({ length: 50 }, () => backoffDelay(policy, 4)));
    expect(samples.size).toBeGreaterThan(10);
    for (const s of samples) {
      expect(s).toBeGreaterThanOrEqual(2000);
      expect(s).toBeLessThanOrEqual(4000);
    }
  });
});
