import { describe, expect, it } from 'vitest';
import { HostLoad, type HostLoadSources } from '../../actors/hostLoad.js';

/** Fake host: time and CPU counters the test moves. */
function fakeHost() {
  const state = { now: 0, idle: 0, total: 0, memory: 0.42 };
  const sources: HostLoadSources = { now: () => state.now, cpuTimes: () => ({ idle: state.idle, total: state.total }), memoryUsed: () => state.memory };
  const spend = (ms: number, busyFraction: number) => {
    state.now += ms;
    state.total += ms;
    state.idle += ms * (1 - busyFraction);
  };
  return { state, sources, spend };
}

describe('HostLoad', () => {
  it('reads whole percents over windows of at least windowMillis, repeating the last reading in between', () => {
    const host = fakeHost();
    const load = new HostLoad({ windowMillis: 5000, sources: host.sources });
    host.spend(100, 0.3);
    expect(load.sample()).toEqual({ cpu: 30, memory: 42 });
    // A burst 50 ms later is not a new reading: heartbeats on load changes come this often.
    host.spend(50, 1);
    host.state.memory = 0.9;
    expect(load.sample()).toEqual({ cpu: 30, memory: 42 });
    host.spend(4950, 0.5);
    expect(load.sample()).toEqual({ cpu: 51, memory: 90 });
  });

  it('clamps to 0-100 and reads 0 when no CPU time passed', () => {
    const host = fakeHost();
    const load = new HostLoad({ windowMillis: 0, sources: host.sources });
    host.state.now += 10;
    expect(load.sample().cpu).toBe(0);
    host.state.memory = 1.7;
    host.spend(10, 1);
    expect(load.sample()).toEqual({ cpu: 100, memory: 100 });
  });

  it('samples the real host', () => {
    const reading = new HostLoad().sample();
    for (const value of [reading.cpu, reading.memory]) {
      expect(Number.isInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(100);
    }
  });
});
