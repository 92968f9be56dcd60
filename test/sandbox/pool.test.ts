/**
 * The real thread path: a TaskPool thread runs the tool_execution executor and
 * holds the sandboxed child; aborting the task in the pool kills the child,
 * whether the thread returns in time or has to be terminated.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskPool } from '../../actors/taskPool.js';
import { resolveConfig } from '../../config/load.js';
import type { Assignment } from '../../protocol/schemas.js';
import { eventually, processesMatching, requireLevel, tempDirs, uniqueSeconds } from './sandboxKit.js';

const dirs = tempDirs();
const pools: TaskPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.destroy()));
  dirs.cleanup();
});

function pool(root: string, level: 'bwrap' | 'unshare', abortGraceMillis?: number): TaskPool {
  const p = new TaskPool(resolveConfig({ artifactRoot: root, maxParallelTasks: 1, sandbox: level }), abortGraceMillis === undefined ? {} : { abortGraceMillis });
  pools.push(p);
  return p;
}

const task = (command: string, ids = { job: 'job-pool', task: 'task-pool' }): Assignment => ({ job_id: ids.job, task_id: ids.task, type: 'tool_execution', inputs: { command }, attempt: 0, lease_id: '' });

describe.each(['bwrap', 'unshare'] as const)('at level %s', (level) => {
  beforeEach(() => requireLevel(level));

  it('runs a command in a thread and writes the artifact', async () => {
    const root = dirs.make();
    const result = await pool(root, level).run(task('echo hi'));
    expect(result).toMatchObject({ ok: true, uri: 'artifact://job-pool/task-pool/output.json' });
    const document = JSON.parse(readFileSync(join(root, 'job-pool', 'task-pool', 'output.json'), 'utf8')) as Record<string, unknown>;
    expect(document).toMatchObject({ job_id: 'job-pool', task_id: 'task-pool', type: 'tool_execution', tool: 'noop', sandboxed: true, stdout: 'hi\n', stderr: '', result: 'ok', _sandbox: { level, exit_code: 0 } });
  });

  it('reports a failing command as a failed result, not an exception', async () => {
    const result = await pool(dirs.make(), level).run(task('echo nope >&2; exit 3'));
    expect(result).toMatchObject({ ok: false, error: 'sandbox command failed: exit code 3: nope' });
  });

  it('kills the child when the task is aborted through the pool', async () => {
    const seconds = uniqueSeconds();
    const controller = new AbortController();
    const running = pool(dirs.make(), level).run(task(`sleep ${seconds}`), { signal: controller.signal });
    expect(await eventually(() => processesMatching(`sleep ${seconds}`).length > 0, 10_000)).toBe(true);
    controller.abort(new Error('drain deadline'));
    await expect(running).rejects.toThrow('drain deadline');
    expect(processesMatching(`sleep ${seconds}`)).toEqual([]);
  });

  it('kills the child when the thread itself has to be terminated', async () => {
    const seconds = uniqueSeconds();
    const controller = new AbortController();
    // No grace: the thread is terminated at once instead of being asked to abort.
    const running = pool(dirs.make(), level, 0).run(task(`sleep ${seconds}`), { signal: controller.signal });
    expect(await eventually(() => processesMatching(`sleep ${seconds}`).length > 0, 10_000)).toBe(true);
    controller.abort(new Error('worker exit'));
    await expect(running).rejects.toThrow();
    expect(await eventually(() => processesMatching(`sleep ${seconds}`).length === 0)).toBe(true);
  });
});

describe('ids', () => {
  it('refuses a bad job or task id before running anything, and writes nothing', async () => {
    const parent = dirs.make();
    const root = join(parent, 'root');
    const p = pool(root, 'bwrap');
    for (const ids of [
      { job: '..', task: 'task-1' },
      { job: 'job-1', task: '../../escape' },
      { job: 'a\\b', task: 'task-1' },
      { job: 'job-1', task: '' },
    ]) {
      const result = await p.run(task(`echo pwned > ${parent}/pwned`, ids));
      expect(result, JSON.stringify(ids)).toMatchObject({ ok: false, error: expect.stringMatching(/^unsafe (job|task) id /) });
    }
    expect(readdirSync(parent)).toEqual([]);
  });
});
