import { describe, expect, it } from 'vitest';
import { heartbeatLateness } from '../../bench/lateness.js';
import { breakdown } from '../../bench/overhead.js';
import { parseBenchArgs, pickupPhase, planFor } from '../../bench/plan.js';
import { BENCH_KEYS, benchLine, fleetSpeedup, medianTps, missedTargets, pairedRatio, slotUtilization, summarize, tableRows, type RawMeasurements } from '../../bench/summary.js';

const raw: RawMeasurements = {
  floorRuns: [{ tasks: 2000, millis: 2000 }, { tasks: 2000, millis: 2500 }, { tasks: 2000, millis: 1000 }],
  gatewayFloorRuns: [{ tasks: 2000, millis: 1000 }, { tasks: 2000, millis: 1250 }, { tasks: 2000, millis: 500 }],
  workerRuns: [{ tasks: 2000, millis: 2500 }, { tasks: 2000, millis: 3000 }, { tasks: 2000, millis: 2000 }],
  spawnFloorRuns: [{ tasks: 400, millis: 2000 }],
  sandboxRuns: [{ tasks: 500, millis: 5000 }],
  referenceRuns: [{ tasks: 8, millis: 6000 }],
  overheadMs: Array.from({ length: 101 }, (_, i) => i / 10),
  loopLagP99Ms: [12, 30, 15],
  heartbeatLatenessMs: [-1, 2, 3, 150],
  pickupMs: [100, 700, 400],
  rssIdleMb: [80, 85, 95],
  startupMs: [300, 500, 350],
  pollMillis: 1500,
  slotUtilization: [0.95, 0.85, 0.92],
  fleet: [{ single: { tasks: 80, millis: 20_000 }, fleet: { tasks: 80, millis: 5000 }, shares: [0.2, 0.3, 0.25, 0.25] }],
};

describe('summarize', () => {
  const summary = summarize(raw);

  it('reports the median run and ratios of medians against the same-run baselines', () => {
    expect(medianTps(raw.floorRuns)).toBe(1000);
    expect(summary.protocol_floor_tps).toBe(1000);
    expect(summary.worker_tps).toBe(800);
    expect(summary.worker_vs_floor).toBe(0.8);
    expect(summary.spawn_floor_tps).toBe(200);
    expect(summary.sandbox_tps).toBe(100);
    expect(summary.sandbox_vs_floor).toBe(0.5);
    expect(summary.reference_policy_tps).toBe(1.333);
    expect(summary.worker_vs_reference).toBe(600);
    expect(summary.gateway_floor_tps).toBe(2000);
    // Pairwise 0.5, 0.5, 0.5.
    expect(summary.worker_vs_gateway_floor).toBe(0.4);
  });

  it('computes slot utilization, fleet speedup and the smallest fleet share', () => {
    expect(summary.slot_utilization).toBe(0.92);
    expect(summary.fleet_speedup).toBe(4);
    expect(summary.fleet_min_share).toBe(0.2);
    // Two slots, 10 s of window: two tasks busy 9 s and 6 s.
    expect(slotUtilization([{ start: 0, end: 9000 }, { start: 4000, end: 10_000 }], 2)).toBe(0.75);
    expect(slotUtilization([], 2)).toBeNaN();
    expect(fleetSpeedup({ single: { tasks: 10, millis: 1000 }, fleet: { tasks: 10, millis: 400 }, shares: [1] })).toBe(2.5);
  });

  it('pairs each measured run with the baseline run beside it: a slow spell slows both and cancels out', () => {
    const floorRuns = [{ tasks: 1000, millis: 1000 }, { tasks: 1000, millis: 500 }, { tasks: 1000, millis: 1000 / 0.6 }];
    const workerRuns = [{ tasks: 1000, millis: 1000 / 0.7 }, { tasks: 1000, millis: 1000 / 1.5 }, { tasks: 1000, millis: 1000 / 0.45 }];
    // Pairwise 0.7, 0.75, 0.75; the ratio of the medians (700 / 1000) would say 0.7.
    expect(pairedRatio(workerRuns, floorRuns)).toBeCloseTo(0.75, 9);
    expect(summarize({ ...raw, floorRuns, workerRuns }).worker_vs_floor).toBe(0.75);
    expect(summarize({ ...raw, spawnFloorRuns: floorRuns, sandboxRuns: workerRuns }).sandbox_vs_floor).toBe(0.75);
  });

  it('falls back to the ratio of the medians when the runs are not paired (a partial --only run)', () => {
    const floorRuns = [{ tasks: 1000, millis: 1000 }, { tasks: 1000, millis: 500 }];
    expect(pairedRatio([{ tasks: 700, millis: 1000 }], floorRuns)).toBeCloseTo(700 / 1500, 9);
    expect(pairedRatio([], floorRuns)).toBeNaN();
  });

  it('takes percentiles of per-task samples and medians of repeated probes', () => {
    expect(summary.overhead_p50_ms).toBe(5);
    expect(summary.overhead_p99_ms).toBe(9.9);
    expect(summary.loop_lag_p99_ms).toBe(15);
    expect(summary.pickup_p50_ms).toBe(400);
    expect(summary.rss_idle_mb).toBe(85);
    expect(summary.startup_ms).toBe(350);
  });

  it('counts an early heartbeat as on time', () => {
    expect(summarize({ ...raw, heartbeatLatenessMs: [-5, -3] }).heartbeat_jitter_p99_ms).toBe(0);
  });

  it('gives null, not NaN, for what was not measured', () => {
    const empty = summarize({ ...raw, sandboxRuns: [], spawnFloorRuns: [], pickupMs: [] });
    expect(empty.sandbox_tps).toBeNull();
    expect(empty.sandbox_vs_floor).toBeNull();
    expect(empty.pickup_p50_ms).toBeNull();
    const line = benchLine(empty);
    expect(JSON.parse(line.slice('BENCH '.length)).sandbox_tps).toBeNull();
  });

  it('judges each target and lists the missed ones', () => {
    const rows = tableRows(summary);
    expect(rows.map((r) => r.metric)).toEqual(BENCH_KEYS.filter((k) => k !== 'poll_millis'));
    expect(rows.find((r) => r.metric === 'worker_vs_floor')?.verdict).toBe('ok');
    expect(rows.find((r) => r.metric === 'protocol_floor_tps')?.verdict).toBe('');
    expect(missedTargets(summary)).toEqual(['worker_vs_gateway_floor', 'sandbox_vs_floor', 'heartbeat_jitter_p99_ms']);
    expect(rows.find((r) => r.metric === 'slot_utilization')?.verdict).toBe('ok');
    expect(rows.find((r) => r.metric === 'fleet_speedup')?.verdict).toBe('ok');
  });

  it('prints one line starting with BENCH that parses to every key', () => {
    const line = benchLine(summary, { quick: true });
    expect(line).not.toContain('\n');
    const parsed = JSON.parse(line.replace(/^BENCH /, '')) as Record<string, unknown>;
    for (const key of BENCH_KEYS) expect(parsed).toHaveProperty(key);
    expect(parsed['quick']).toBe(true);
  });
});

describe('heartbeatLateness', () => {
  it('is each gap minus the interval', () => {
    expect(heartbeatLateness([0, 250, 510, 760], 250)).toEqual([0, 10, 0]);
    expect(heartbeatLateness([5], 250)).toEqual([]);
  });
});

describe('overhead breakdown', () => {
  it('subtracts the executor time and splits the rest', () => {
    const b = breakdown({ received: 100, runningSent: 100.5, executeStart: 102.5, executeEnd: 110, executorMillis: 4, finalSent: 110.25 });
    expect(b).toEqual({ overhead: 6.25, toRunning: 0.5, runningRoundTrip: 2, pool: 3.5, toFinal: 0.25 });
  });

  it('skips a task with a missing timestamp', () => {
    expect(breakdown({ received: 1, finalSent: 2 })).toBeUndefined();
  });
});

describe('bench arguments and plans', () => {
  it('parses --quick and --out', () => {
    expect(parseBenchArgs([])).toEqual({ quick: false });
    expect(parseBenchArgs(['--quick', '--out', '/tmp/r.json'])).toEqual({ quick: true, out: '/tmp/r.json' });
    expect(parseBenchArgs(['--out=/x.json'])).toEqual({ quick: false, out: '/x.json' });
    expect(() => parseBenchArgs(['--fast'])).toThrow(/unknown bench argument/);
  });

  it('the full plan runs what the issue asks for; the quick one is small', () => {
    const full = planFor(false);
    expect(full.workerTasks).toBe(2000);
    expect(full.sandboxTasks).toBe(500);
    expect(full.parallel).toBe(8);
    expect(full.spawnConcurrency).toBe(2);
    expect(full.loadWindowMillis).toBe(10_000);
    expect(full.referencePollMillis).toBe(1500);
    expect(full.referenceMaxTasks).toBe(2);
    expect(full.pickupIdleMillis(1500, 0)).toBeGreaterThanOrEqual(1500);
    const quick = planFor(true);
    expect(quick.workerTasks * quick.repeats).toBeLessThan(200);
  });

  it('spreads the pickup samples evenly over the poll interval, the middle one at its middle', () => {
    const phases = Array.from({ length: 9 }, (_, i) => pickupPhase(i, 9));
    expect(phases[0]).toBeCloseTo(1 / 18);
    for (let i = 1; i < phases.length; i++) expect(phases[i]! - phases[i - 1]!).toBeCloseTo(1 / 9);
    expect(phases[4]).toBeCloseTo(0.5);
    expect(Math.max(...phases)).toBeLessThan(1);
    // After at least one idle interval, sample i arrives at that phase of the next one.
    const full = planFor(false);
    expect(full.pickupIdleMillis(1500, phases[4]!)).toBeCloseTo(2250);
  });
});
