/**
 * From raw measurements to the BENCH line and the table: medians of repeated
 * runs, ratios against the same-run baselines, and the verdict of each target.
 * Pure, so the arithmetic is unit-tested (test/bench/summary.test.ts).
 */
import { median, percentile, perSecond, ratio, rounded } from './stats.js';
import { formatValue, type TableRow } from './table.js';

/** One timed run: `tasks` finished in `millis`. */
export interface Run {
  readonly tasks: number;
  readonly millis: number;
}

/** One fleet measurement (scheduling.ts): the same job on one worker, then on the fleet. */
export interface FleetResult {
  /** The job on one worker of `fleetSlots` slots. */
  readonly single: Run;
  /** The same job on `fleetWorkers` such workers. */
  readonly fleet: Run;
  /** Each fleet worker's share of the job's tasks (0-1). */
  readonly shares: readonly number[];
}

/** The fleet's throughput over the single worker's. */
export function fleetSpeedup(result: FleetResult): number {
  return ratio(perSecond(result.fleet.tasks, result.fleet.millis), perSecond(result.single.tasks, result.single.millis));
}

/** Busy slot time over slots x the window from the first start to the last end. */
export function slotUtilization(tasks: readonly { readonly start: number; readonly end: number }[], slots: number): number {
  if (tasks.length === 0 || slots <= 0) return Number.NaN;
  const first = Math.min(...tasks.map((t) => t.start));
  const last = Math.max(...tasks.map((t) => t.end));
  const busy = tasks.reduce((sum, t) => sum + Math.max(0, t.end - t.start), 0);
  return last > first ? busy / (slots * (last - first)) : Number.NaN;
}

/** Everything measured, raw (also written to bench/results.json). */
export interface RawMeasurements {
  /** Protocol floor runs; run i ran right before worker run i (see pairedRatio). */
  readonly floorRuns: readonly Run[];
  /** Gateway floor runs (node:http bare loop); run i ran right before worker run i too. */
  readonly gatewayFloorRuns: readonly Run[];
  readonly workerRuns: readonly Run[];
  /** Spawn floor runs; run i ran right before sandbox run i. */
  readonly spawnFloorRuns: readonly Run[];
  readonly sandboxRuns: readonly Run[];
  readonly referenceRuns: readonly Run[];
  /** Per trivial task: assignment received -> final report handed over, minus executor time. */
  readonly overheadMs: readonly number[];
  /** p99 of the worker main thread's event-loop delay in each loaded window. */
  readonly loopLagP99Ms: readonly number[];
  /** Lateness of each heartbeat against its schedule during the loaded windows. */
  readonly heartbeatLatenessMs: readonly number[];
  /** Idle worker: task submitted -> Running report received. */
  readonly pickupMs: readonly number[];
  readonly rssIdleMb: readonly number[];
  readonly startupMs: readonly number[];
  /** The worker's SPLAI_POLL_MILLIS during the pickup measurement. */
  readonly pollMillis: number;
  /** Busy slot-seconds over slots x wall time, per slot-utilization run (scheduling.ts). */
  readonly slotUtilization: readonly number[];
  /** Fleet runs: one worker, then the fleet (scheduling.ts). */
  readonly fleet: readonly FleetResult[];
}

/** The keys of the BENCH line (numbers rounded; null when not measurable). */
export interface BenchSummary {
  readonly protocol_floor_tps: number | null;
  readonly gateway_floor_tps: number | null;
  readonly worker_tps: number | null;
  readonly worker_vs_floor: number | null;
  readonly worker_vs_gateway_floor: number | null;
  readonly spawn_floor_tps: number | null;
  readonly sandbox_tps: number | null;
  readonly sandbox_vs_floor: number | null;
  readonly reference_policy_tps: number | null;
  readonly worker_vs_reference: number | null;
  readonly overhead_p50_ms: number | null;
  readonly overhead_p99_ms: number | null;
  readonly loop_lag_p99_ms: number | null;
  readonly heartbeat_jitter_p99_ms: number | null;
  readonly pickup_p50_ms: number | null;
  readonly poll_millis: number;
  readonly rss_idle_mb: number | null;
  readonly startup_ms: number | null;
  readonly slot_utilization: number | null;
  readonly fleet_speedup: number | null;
  /** The smallest share of the fleet job one fleet worker ran. */
  readonly fleet_min_share: number | null;
}

/** Every key the BENCH line must carry (the CI check and the smoke test use it). */
export const BENCH_KEYS: readonly (keyof BenchSummary)[] = [
  'protocol_floor_tps',
  'gateway_floor_tps',
  'worker_tps',
  'worker_vs_floor',
  'worker_vs_gateway_floor',
  'spawn_floor_tps',
  'sandbox_tps',
  'sandbox_vs_floor',
  'reference_policy_tps',
  'worker_vs_reference',
  'overhead_p50_ms',
  'overhead_p99_ms',
  'loop_lag_p99_ms',
  'heartbeat_jitter_p99_ms',
  'pickup_p50_ms',
  'poll_millis',
  'rss_idle_mb',
  'startup_ms',
  'slot_utilization',
  'fleet_speedup',
  'fleet_min_share',
];

/** One run's tasks per second. */
const runTps = (run: Run): number => perSecond(run.tasks, run.millis);

/** Median throughput of repeated runs (each run's tasks per second). */
export function medianTps(runs: readonly Run[]): number {
  return median(runs.map(runTps));
}

/**
 * The ratio of a measurement to its baseline. The bench runs them in
 * alternation (baseline, measured, baseline, measured, ...), so run i of each
 * list saw the same state of the machine; the median of those pairwise ratios
 * is what a slow spell on a shared host moves least. Lists of different
 * lengths (a partial `--only` run) fall back to the ratio of the medians.
 */
export function pairedRatio(measured: readonly Run[], baseline: readonly Run[]): number {
  if (measured.length === 0 || measured.length !== baseline.length) return ratio(medianTps(measured), medianTps(baseline));
  return median(measured.map((run, i) => ratio(runTps(run), runTps(baseline[i]!))));
}

/** Compute the summary. Lateness below zero (a beat a little early) counts as on time. */
export function summarize(raw: RawMeasurements): BenchSummary {
  const floor = medianTps(raw.floorRuns);
  const gatewayFloor = medianTps(raw.gatewayFloorRuns);
  const worker = medianTps(raw.workerRuns);
  const spawnFloor = medianTps(raw.spawnFloorRuns);
  const sandbox = medianTps(raw.sandboxRuns);
  const reference = medianTps(raw.referenceRuns);
  return {
    protocol_floor_tps: rounded(floor, 1),
    gateway_floor_tps: rounded(gatewayFloor, 1),
    worker_tps: rounded(worker, 1),
    worker_vs_floor: rounded(pairedRatio(raw.workerRuns, raw.floorRuns), 3),
    worker_vs_gateway_floor: rounded(pairedRatio(raw.workerRuns, raw.gatewayFloorRuns), 3),
    spawn_floor_tps: rounded(spawnFloor, 1),
    sandbox_tps: rounded(sandbox, 1),
    sandbox_vs_floor: rounded(pairedRatio(raw.sandboxRuns, raw.spawnFloorRuns), 3),
    reference_policy_tps: rounded(reference, 3),
    worker_vs_reference: rounded(ratio(worker, reference), 1),
    overhead_p50_ms: rounded(percentile(raw.overheadMs, 50), 3),
    overhead_p99_ms: rounded(percentile(raw.overheadMs, 99), 3),
    loop_lag_p99_ms: rounded(median(raw.loopLagP99Ms), 2),
    heartbeat_jitter_p99_ms: rounded(percentile(raw.heartbeatLatenessMs.map((ms) => Math.max(0, ms)), 99), 2),
    pickup_p50_ms: rounded(median(raw.pickupMs), 1),
    poll_millis: raw.pollMillis,
    rss_idle_mb: rounded(median(raw.rssIdleMb), 1),
    startup_ms: rounded(median(raw.startupMs), 1),
    slot_utilization: rounded(median(raw.slotUtilization), 3),
    fleet_speedup: rounded(median(raw.fleet.map(fleetSpeedup)), 2),
    fleet_min_share: rounded(median(raw.fleet.map((f) => Math.min(...f.shares))), 3),
  };
}

interface Target {
  readonly key: keyof BenchSummary;
  readonly unit: string;
  /** Text for the table. */
  readonly target: (s: BenchSummary) => string;
  /** undefined: no target (a baseline or a breakdown). */
  readonly met?: (value: number, s: BenchSummary) => boolean;
}

const TARGETS: readonly Target[] = [
  { key: 'protocol_floor_tps', unit: 'tasks/s', target: () => 'baseline' },
  { key: 'gateway_floor_tps', unit: 'tasks/s', target: () => 'baseline' },
  { key: 'worker_tps', unit: 'tasks/s', target: () => '' },
  { key: 'worker_vs_floor', unit: 'x', target: () => '>= 0.7', met: (v) => v >= 0.7 },
  { key: 'worker_vs_gateway_floor', unit: 'x', target: () => '>= 0.7', met: (v) => v >= 0.7 },
  { key: 'spawn_floor_tps', unit: 'spawns/s', target: () => 'baseline' },
  { key: 'sandbox_tps', unit: 'tasks/s', target: () => '' },
  { key: 'sandbox_vs_floor', unit: 'x', target: () => '>= 0.7', met: (v) => v >= 0.7 },
  { key: 'reference_policy_tps', unit: 'tasks/s', target: () => 'baseline' },
  { key: 'worker_vs_reference', unit: 'x', target: () => '>= 300', met: (v) => v >= 300 },
  { key: 'overhead_p50_ms', unit: 'ms', target: () => '' },
  { key: 'overhead_p99_ms', unit: 'ms', target: () => '' },
  { key: 'loop_lag_p99_ms', unit: 'ms', target: () => '<= 20', met: (v) => v <= 20 },
  { key: 'heartbeat_jitter_p99_ms', unit: 'ms', target: () => '<= 100', met: (v) => v <= 100 },
  {
    key: 'pickup_p50_ms',
    unit: 'ms',
    target: (s) => `< poll ${s.poll_millis} ms`,
    met: (v, s) => v < s.poll_millis,
  },
  { key: 'rss_idle_mb', unit: 'MB', target: () => '<= 90', met: (v) => v <= 90 },
  { key: 'startup_ms', unit: 'ms', target: () => '<= 400', met: (v) => v <= 400 },
  { key: 'slot_utilization', unit: 'x', target: () => '>= 0.9', met: (v) => v >= 0.9 },
  { key: 'fleet_speedup', unit: 'x', target: () => '>= 3', met: (v) => v >= 3 },
  { key: 'fleet_min_share', unit: 'x', target: () => '>= 0.1', met: (v) => v >= 0.1 },
];

/** One table row per key, with the verdict of its target. */
export function tableRows(summary: BenchSummary): TableRow[] {
  return TARGETS.map(({ key, unit, target, met }) => {
    const value = summary[key];
    const verdict = met === undefined ? '' : typeof value === 'number' ? (met(value, summary) ? 'ok' : 'MISSED') : 'n/a';
    return { metric: key, value: formatValue(value), unit, target: target(summary), verdict };
  });
}

/** Keys whose target was missed (empty when every target was met). */
export function missedTargets(summary: BenchSummary): string[] {
  return tableRows(summary)
    .filter((row) => row.verdict === 'MISSED')
    .map((row) => row.metric);
}

/** The last line of the benchmark's output: `BENCH {...}`, one JSON object on one line. */
export function benchLine(summary: BenchSummary, extra: Readonly<Record<string, unknown>> = {}): string {
  return `BENCH ${JSON.stringify({ ...summary, ...extra })}`;
}
