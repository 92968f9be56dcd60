import { describe, expect, it } from 'vitest';
import { cpuMillisPerTask, metered } from '../../bench/cpuMeter.js';

describe('cpu per task', () => {
  it('adds user and system time and divides by the tasks', () => {
    expect(cpuMillisPerTask({ user: 1_000, system: 500 }, { user: 401_000, system: 100_500 }, 250)).toBe(2);
  });

  it('is NaN for a run without tasks (never a division by zero that reads as 0 or Infinity)', () => {
    expect(cpuMillisPerTask({ user: 0, system: 0 }, { user: 10, system: 0 }, 0)).toBeNaN();
  });

  it('meters the agent around the run and keeps the run', async () => {
    const readings = [
      { user: 0, system: 0 },
      { user: 3_000, system: 1_000 },
    ];
    const into = { agent: [] as number[], controlPlane: [] as number[] };
    const run = await metered(async () => readings.shift()!, into, async () => ({ tasks: 4, millis: 10 }));
    expect(run).toEqual({ tasks: 4, millis: 10 });
    expect(into.agent).toEqual([1]);
    expect(into.controlPlane).toHaveLength(1);
    expect(into.controlPlane[0]).toBeGreaterThanOrEqual(0);
  });
});
