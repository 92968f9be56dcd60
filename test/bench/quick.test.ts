/**
 * The smoke run: `bench/main.ts --quick` end to end from sources (control
 * plane, agents, real worker, sandbox, CLI), checking only that it works and
 * prints a well-formed BENCH line with every key. Never a timing assertion.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { BENCH_KEYS } from '../../bench/summary.js';

const dir = mkdtempSync(join(tmpdir(), 'splai-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('npm run bench -- --quick prints a BENCH line with every key and writes the results and, beside them, the raw samples', async () => {
  const out = join(dir, 'results.json');
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/main.ts', '--quick', '--out', out], { cwd: join(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  expect(code, stderr).toBe(0);
  const lines = stdout.trimEnd().split('\n');
  const last = lines.at(-1) ?? '';
  expect(last).toMatch(/^BENCH \{.*\}$/);
  const bench = JSON.parse(last.slice('BENCH '.length)) as Record<string, unknown>;
  for (const key of BENCH_KEYS) {
    expect(bench, key).toHaveProperty(key);
    expect(typeof bench[key] === 'number' || bench[key] === null, key).toBe(true);
  }
  // Every measurement actually ran (the sandbox ones only where a sandbox exists).
  for (const key of ['protocol_floor_tps', 'gateway_floor_tps', 'worker_vs_gateway_floor', 'worker_tps', 'reference_policy_tps', 'overhead_p50_ms', 'loop_lag_p99_ms', 'pickup_p50_ms', 'rss_idle_mb', 'startup_ms']) {
    expect(bench[key], key).toBeTypeOf('number');
  }
  // The sandbox's own baselines, where there is a sandbox (CI installs bubblewrap).
  if (bench['sandbox_level'] !== 'none') {
    for (const key of ['spawn_floor_tps', 'launch_floor_tps', 'sandbox_direct_tps', 'sandbox_tps', 'slot_utilization', 'fleet_speedup', 'fleet_min_share']) expect(bench[key], key).toBeTypeOf('number');
  }
  expect(stdout).toContain('| worker_vs_floor');
  // The results file: the summary, the BENCH extras, the plan and the machine; no raw samples.
  const results = JSON.parse(readFileSync(out, 'utf8')) as { date: string; machine: { cpus: number; node: string; sandboxLevel: string }; summary: Record<string, unknown>; extra: Record<string, unknown> } & Record<string, unknown>;
  expect(Object.keys(results).sort()).toEqual(['date', 'extra', 'machine', 'plan', 'summary']);
  expect(results.machine.cpus).toBeGreaterThan(0);
  expect(results.machine.node).toBe(process.version);
  // Together they are the BENCH line.
  expect({ ...results.summary, ...results.extra }).toEqual(bench);
  // The raw samples beside it (results.json -> results.raw.json), from the same run.
  const rawOut = join(dir, 'results.raw.json');
  expect(stdout).toContain(`raw samples: ${rawOut}`);
  const { date, raw } = JSON.parse(readFileSync(rawOut, 'utf8')) as { date: string; raw: Record<'workerRuns' | 'floorRuns' | 'gatewayFloorRuns' | 'sandboxRuns' | 'spawnFloorRuns', unknown[]> };
  expect(date).toBe(results.date);
  expect(raw.workerRuns.length).toBeGreaterThan(0);
  // Each ratio pairs every measured run with its own baseline run (summary.ts pairedRatio).
  expect(raw.floorRuns).toHaveLength(raw.workerRuns.length);
  expect(raw.gatewayFloorRuns).toHaveLength(raw.workerRuns.length);
  if (bench['sandbox_level'] !== 'none') expect(raw.spawnFloorRuns).toHaveLength(raw.sandboxRuns.length);
}, 120_000);
