/**
 * A poll that is on the wire when the poller stops (re-registration after the
 * model inventory changed, or the start of a drain) is not thrown away: the
 * control plane may already have leased its tasks to this worker, and a dropped
 * reply would leave them Assigned to it, their leases extended by every
 * heartbeat, never run. The real worker (createWorker) with a fake API and executor.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ControlPlaneApi } from '../../actors/controlPlaneClient.js';
import type { ReportRequest } from '../../protocol/schemas.js';
import { createWorker, type SplaiWorker } from '../../runtime/createWorker.js';

const dirs: string[] = [];
const workers: SplaiWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const assignment = (task: string) => ({ job_id: 'j1', task_id: task, type: 'aggregation', inputs: { items_json: '[{"a":"1"}]' }, attempt: 1, lease_id: `w1:${task}:1:1` });

/**
 * A worker (real pool) with a poll that stays on the wire until `answerSlowPoll`
 * is called, then answers with task `t1`. With `busy`, a task `busy` is running
 * first (handed over by a poll answered at once, its execution held until
 * `releaseBusy`), and the slow poll is the one for the second slot.
 */
function workerWithSlowPoll(options: { busy?: boolean } = {}) {
  const reports: ReportRequest[] = [];
  let registrations = 0;
  let polls = 0;
  let answer: ((items: unknown[]) => void) | undefined;
  let releaseBusy: (() => void) | undefined;
  const slowPoll = options.busy === true ? 2 : 1;
  const api: ControlPlaneApi = {
    register: async () => {
      registrations++;
      return { accepted: true, heartbeat_interval_seconds: 0.05 };
    },
    heartbeat: async () => undefined,
    poll: () => {
      polls++;
      if (polls === slowPoll) return new Promise<unknown[]>((resolve) => (answer = resolve));
      return Promise.resolve(polls === 1 && options.busy === true ? [assignment('busy')] : []);
    },
    report: async (report) => void reports.push(report),
    healthz: async () => undefined,
  };
  const dir = mkdtempSync(join(tmpdir(), 'splai-late-poll-'));
  dirs.push(dir);
  const worker = createWorker({
    config: { workerId: 'w1', maxParallelTasks: options.busy === true ? 2 : 1, pollMillis: 20, artifactRoot: dir },
    api,
    stateDir: false,
    // The pool is not what this is about: a task "runs" until released (busy) or at once.
    effects: {
      execute: async (a) => {
        if (a.task_id === 'busy') await new Promise<void>((resolve) => (releaseBusy = resolve));
        return { ok: true, uri: `artifact://${a.job_id}/${a.task_id}/output.json`, durationMillis: 1, executorMillis: 1 };
      },
    },
  });
  workers.push(worker);
  worker.start();
  return {
    worker,
    reports,
    registrations: () => registrations,
    slowPollSent: () => polls >= slowPoll,
    answerSlowPoll: () => answer?.([assignment('t1')]),
    releaseBusy: () => releaseBusy?.(),
    statusesOf: (task: string) => reports.filter((r) => r.task_id === task).map((r) => r.status),
  };
}

describe('a poll on the wire when the poller stops', () => {
  it('still runs its tasks when the worker re-registers meanwhile', async () => {
    const h = workerWithSlowPoll();
    await until(() => h.slowPollSent());
    h.worker.actor.send({ type: 'models.changed' });
    await until(() => h.registrations() === 2);
    h.answerSlowPoll();
    await until(() => h.statusesOf('t1').includes('Completed'));
    expect(h.statusesOf('t1')).toEqual(['Running', 'Completed']);
  });

  it('runs its tasks within a drain that is still waiting for tasks', async () => {
    const h = workerWithSlowPoll({ busy: true });
    await until(() => h.slowPollSent() && h.statusesOf('busy').includes('Running'));
    h.worker.shutdown('test drain');
    expect(h.worker.actor.getSnapshot().matches({ draining: 'waitingForTasks' })).toBe(true);
    h.answerSlowPoll();
    await until(() => h.statusesOf('t1').includes('Completed'));
    h.releaseBusy();
    expect(await h.worker.done).toEqual({ status: 'stopped', error: '' });
    expect(h.statusesOf('t1')).toEqual(['Running', 'Completed']);
    workers.splice(0);
  });

  it('reports its tasks Failed, not started, when the drain has nothing left to wait for', async () => {
    const h = workerWithSlowPoll();
    await until(() => h.slowPollSent());
    h.worker.shutdown('test drain');
    h.answerSlowPoll();
    expect(await h.worker.done).toEqual({ status: 'stopped', error: '' });
    expect(h.reports.filter((r) => r.task_id === 't1').map((r) => [r.status, r.error])).toEqual([['Failed', 'worker is stopping: the task was not started']]);
    workers.splice(0);
  });
});
