/**
 * Capacity (capacity.ts; the gateway's workerCapacity and workerAtCapacity) and
 * pre-emption (preemption.ts; tryPreemptLowerPriority).
 */
import { describe, expect, it } from 'vitest';
import { workerCapacity } from '../../control-plane/capacity.js';
import { PREEMPTED_ERROR } from '../../control-plane/preemption.js';
import { flat, ids, only, reportFor, setup } from './helpers.js';

describe('rule: capacity is cpu / 4, at least 1 (cpu <= 0 too), at least 2 with a gpu, at most 16', () => {
  it.each([
    [0, false, 1],
    [-4, true, 1],
    [3, false, 1],
    [8, false, 2],
    [9, false, 2],
    [4, true, 2],
    [12, true, 3],
    [64, false, 16],
    [100, true, 16],
  ])('cpu %s gpu %s -> %s', (cpu, gpu, expected) => {
    expect(workerCapacity({ cpu, gpu })).toBe(expected);
  });

  it('the worker view shows it', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'w', cpu: 8 });
    expect(cp.worker('w')?.capacity).toBe(2);
  });
});

describe('rule: capacity is compared with running_tasks of the last heartbeat (0 after register), not with what was handed out', () => {
  it('one poll hands out max_tasks whatever the capacity; a heartbeat at capacity stops the next polls', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'w', cpu: 4 }); // capacity 1
    cp.submitJob({ job_id: 'j', tasks: flat(6) });
    expect(cp.assignments('w', 3).assignments).toHaveLength(3);
    expect(cp.assignments('w', 1).assignments).toHaveLength(1); // still 0 running as far as the gateway knows
    cp.heartbeat('w', { running_tasks: 1 });
    expect(cp.assignments('w', 2)).toEqual({ assignments: [] });
    cp.heartbeat('w', { running_tasks: 0 });
    expect(cp.assignments('w', 2).assignments).toHaveLength(2);
  });

  it('register resets running_tasks to 0', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'w', cpu: 4 });
    cp.heartbeat('w', { running_tasks: 5 });
    cp.submitJob({ job_id: 'j', tasks: flat(1) });
    expect(cp.assignments('w', 1)).toEqual({ assignments: [] });
    cp.register({ worker_id: 'w', cpu: 4 });
    expect(ids(cp.assignments('w', 1))).toEqual(['t0']);
  });
});

describe('rule: a worker at capacity pre-empts its least recently updated task of lower priority', () => {
  function atCapacityWith(priorities: string[]) {
    const ctx = setup();
    const { cp, clock } = ctx;
    cp.register({ worker_id: 'w', cpu: 8 }); // capacity 2
    for (const [i, priority] of priorities.entries()) {
      cp.submitJob({ job_id: `held-${i}`, priority, tasks: flat(1) });
      only(cp.assignments('w', 1));
      clock.advance(10);
    }
    cp.heartbeat('w', { running_tasks: priorities.length });
    return ctx;
  }

  it('the incoming interactive task is assigned; the oldest lower task is silently re-queued', () => {
    const { cp, clock } = atCapacityWith(['batch', 'standard']);
    const requeued: string[] = [];
    cp.subscribe((e) => {
      if (e.type === 'task.requeued') requeued.push(`${e.jobId}:${e.reason}`);
    });
    cp.submitJob({ job_id: 'urgent', tasks: flat(1) });
    clock.advance(10);
    expect(only(cp.assignments('w', 1)).job_id).toBe('urgent');
    // The heartbeat touched both held tasks, held-0 first: it is the least recently updated.
    expect(requeued).toEqual(['held-0:preempted']);
    expect(cp.task('held-0', 't0')).toMatchObject({ status: 'Queued', worker_id: '', lease_id: '', lease_expires_at_ms: 0, attempt: 1, error: PREEMPTED_ERROR });
    expect(cp.task('held-1', 't0').status).toBe('Assigned');
    expect(cp.getJob('held-0').status).toBe('Running');
  });

  it('each claim pre-empts at most one task; equal or higher priority is never pre-empted', () => {
    const { cp } = atCapacityWith(['batch', 'batch']);
    cp.submitJob({ job_id: 'urgent', tasks: flat(3) });
    // Two tasks to push out: two of the three urgent tasks get in, in the same poll.
    expect(cp.assignments('w', 3).assignments).toHaveLength(2);
    expect([cp.task('held-0', 't0').status, cp.task('held-1', 't0').status]).toEqual(['Queued', 'Queued']);
    const same = atCapacityWith(['high', 'interactive']).cp;
    same.submitJob({ job_id: 'urgent', tasks: flat(1) });
    expect(same.assignments('w', 1)).toEqual({ assignments: [] });
  });

  it('priority ranks: interactive = high > standard = medium = anything else > batch = low', () => {
    const { cp } = atCapacityWith(['low', 'whatever']);
    cp.submitJob({ job_id: 'standard', priority: 'Standard', tasks: flat(1) });
    expect(only(cp.assignments('w', 1)).job_id).toBe('standard');
    expect(cp.task('held-0', 't0').status).toBe('Queued'); // low < standard
    cp.submitJob({ job_id: 'medium', priority: ' MEDIUM ', tasks: flat(1) });
    expect(cp.assignments('w', 1)).toEqual({ assignments: [] }); // 'whatever' ranks like medium
  });

  it('the worker is not told: its report for the pre-empted task re-opens it, or is stale once re-leased', () => {
    const { cp } = atCapacityWith(['batch']);
    cp.forgetWorkers();
    cp.register({ worker_id: 'w', cpu: 4 }); // capacity 1
    cp.heartbeat('w', { running_tasks: 1 });
    const held = cp.task('held-0', 't0');
    cp.submitJob({ job_id: 'urgent', tasks: flat(1) });
    only(cp.assignments('w', 1));
    expect(cp.task('held-0', 't0').status).toBe('Queued');
    cp.report({ worker_id: 'w', job_id: 'held-0', task_id: 't0', lease_id: held.lease_id, idempotency_key: 'k', status: 'Running' });
    expect(cp.task('held-0', 't0')).toMatchObject({ status: 'Running', worker_id: 'w' });
  });

  it("option preempt: false (not the gateway): a worker at capacity gets nothing", () => {
    const { cp } = setup({ preempt: false });
    cp.register({ worker_id: 'w', cpu: 4 });
    cp.submitJob({ job_id: 'low', priority: 'batch', tasks: flat(1) });
    only(cp.assignments('w', 1));
    cp.heartbeat('w', { running_tasks: 1 });
    cp.submitJob({ job_id: 'urgent', tasks: flat(1) });
    expect(cp.assignments('w', 1)).toEqual({ assignments: [] });
    expect(cp.task('low', 't0').status).toBe('Assigned');
  });

  it('a report of the task that took the place goes through normally', () => {
    const { cp } = atCapacityWith(['batch', 'batch']);
    cp.submitJob({ job_id: 'urgent', tasks: flat(1) });
    const a = only(cp.assignments('w', 1));
    cp.report(reportFor(a, 'w', 'Completed'));
    expect(cp.getJob('urgent').status).toBe('Completed');
  });
});
