import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../../control-plane/faults.js';

const outcomes = (f: FaultInjector, n: number) => Array.from({ length: n }, () => f.decide('assignments')?.outcome ?? 'behave');

describe('FaultInjector', () => {
  it('decides nothing until a spec is set, and nothing after clear()', () => {
    const f = new FaultInjector(1);
    expect(f.active).toBe(false);
    expect(f.decide('report')).toBeUndefined();
    f.set(['report', 'heartbeat'], { errorRate: 1 });
    expect(f.decide('report')?.outcome).toBe('error');
    expect(f.decide('assignments')).toBeUndefined();
    f.clear('report');
    expect(f.decide('report')).toBeUndefined();
    expect(f.decide('heartbeat')?.outcome).toBe('error');
    f.clear();
    expect(f.active).toBe(false);
  });

  it('reseed replays the same sequence; rates roughly hold', () => {
    const f = new FaultInjector(42);
    f.set('assignments', { errorRate: 0.3, garbageRate: 0.3 });
    const first = outcomes(f, 400);
    f.reseed(42);
    expect(outcomes(f, 400)).toEqual(first);
    const errors = first.filter((o) => o === 'error').length;
    expect(errors).toBeGreaterThan(80);
    expect(errors).toBeLessThan(160);
    expect(first).toContain('garbage');
    expect(first).toContain('none');
  });

  it('times limits a spec to the next N requests', () => {
    const f = new FaultInjector();
    f.set('*', { resetRate: 1, times: 2 });
    expect(outcomes(f, 4)).toEqual(['reset', 'reset', 'behave', 'behave']);
    expect(f.decide('register')?.outcome).toBe('reset'); // each endpoint has its own count
    expect(f.injected.reset).toBe(3);
  });

  it('stalls with stallRate, carries status and phase', () => {
    const f = new FaultInjector(3);
    f.set('report', { stallMs: 50, stallRate: 0.5, errorRate: 1, errorStatus: 500, phase: 'after' });
    const decisions = Array.from({ length: 100 }, () => f.decide('report')!);
    const stalled = decisions.filter((d) => d.stallMs === 50).length;
    expect(stalled).toBeGreaterThan(20);
    expect(stalled).toBeLessThan(80);
    expect(decisions.every((d) => d.status === 500 && d.phase === 'after' && d.outcome === 'error')).toBe(true);
  });

  it('storeFailure: decided like the others (after reset, error, garbage), carries its message, counted', () => {
    const f = new FaultInjector(5);
    f.set('report', { storeFailure: 'disk full', times: 2 });
    expect(f.decide('report')).toMatchObject({ outcome: 'storeFailure', message: 'disk full' });
    expect(f.decide('report')?.outcome).toBe('storeFailure');
    expect(f.decide('report')).toBeUndefined();
    f.set('heartbeat', { storeFailure: 'x', storeFailureRate: 0.5 });
    const kinds = Array.from({ length: 200 }, () => f.decide('heartbeat')?.outcome);
    expect(kinds.filter((k) => k === 'storeFailure').length).toBeGreaterThan(60);
    expect(kinds).toContain('none');
    f.set('register', { resetRate: 1, storeFailure: 'x' });
    expect(f.decide('register')?.outcome).toBe('reset');
    expect(f.injected.storeFailure).toBeGreaterThan(60);
  });
});
