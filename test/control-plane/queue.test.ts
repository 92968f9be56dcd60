/**
 * The queue of task references (queue.ts; the gateway's memory_queue.go and the
 * enqueueing in AddJob, ReportTaskResult, requeueExpiredLeases).
 */
import { describe, expect, it } from 'vitest';
import { RefQueue } from '../../control-plane/queue.js';
import { flat, ids, only, reportFor, setup } from './helpers.js';

describe('RefQueue, the deque behind the queue', () => {
  it('is a FIFO that claims from the front, appends at the end, and grows across the wrap', () => {
    const q = new RefQueue<number>(2);
    for (let i = 0; i < 5; i++) q.push(i);
    expect(q.claim(2)).toEqual([0, 1]);
    for (let i = 5; i < 12; i++) q.push(i); // wraps, then grows
    expect(q.length).toBe(10);
    expect(q.toArray()).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(q.claim(100)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(q.claim(3)).toEqual([]);
    q.push(1);
    q.push(1); // duplicates are fine
    expect(q.toArray()).toEqual([1, 1]);
  });

  it('stays cheap with a million references (no Array.shift)', () => {
    const q = new RefQueue<number>();
    for (let i = 0; i < 1_000_000; i++) q.push(i);
    const started = performance.now();
    let sum = 0;
    for (let i = 0; i < 1000; i++) for (const n of q.claim(256)) sum += n;
    expect(sum).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('rule: a submitted job enqueues its tasks without dependencies, in plan order', () => {
  it('only the roots are queued', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x' }, { task_id: 'b', type: 'x', depends_on: ['a'] }, { task_id: 'c', type: 'x' }] });
    expect(cp.queueRefs()).toEqual([{ job_id: 'j', task_id: 'a' }, { job_id: 'j', task_id: 'c' }]);
  });
});

describe('rule: a Completed report enqueues every Queued task whose dependencies are Completed, already queued or not', () => {
  it('three independent tasks: after the first completes, the two others are queued twice', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: flat(3) });
    cp.register({ worker_id: 'w' });
    const first = only(cp.assignments('w', 1));
    const others = cp.queueRefs();
    expect(others).toHaveLength(2);
    cp.report(reportFor(first, 'w', 'Completed'));
    const refs = cp.queueRefs();
    expect(refs.slice(0, 2)).toEqual(others);
    // The gateway enqueues them in Go map order (random); here in plan order.
    expect(refs.slice(2).map((r) => r.task_id).sort()).toEqual(others.map((r) => r.task_id).sort());
  });

  it('a big job accumulates about n^2/2 references', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: flat(40) });
    cp.register({ worker_id: 'w' });
    for (let done = 0, polls = 0; done < 40 && polls < 1000; polls++) {
      for (const a of cp.assignments('w', 1).assignments ?? []) {
        cp.report(reportFor(a, 'w', 'Completed'));
        done++;
      }
    }
    expect(cp.getJob('j').status).toBe('Completed');
    expect(cp.queueLength).toBe((40 * 39) / 2);
  });
});

describe('rule: references of tasks that ended are never dropped: a claim puts them back at the end', () => {
  it('after the job completed, polls answer [] (references were claimed), not null, for ever', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: flat(2) });
    cp.register({ worker_id: 'w' });
    cp.report(reportFor(only(cp.assignments('w', 1)), 'w', 'Completed'));
    cp.report(reportFor(only(cp.assignments('w', 1)), 'w', 'Completed'));
    expect(cp.getJob('j').status).toBe('Completed');
    const stale = cp.queueRefs();
    expect(stale).toHaveLength(1);
    for (let i = 0; i < 3; i++) expect(cp.assignments('w', 1)).toEqual({ assignments: [] });
    expect(cp.queueRefs()).toEqual(stale);
  });

  it('a window full of stale references answers [] while a new job waits behind them', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'old', tasks: flat(40) });
    cp.register({ worker_id: 'w' });
    for (let done = 0, polls = 0; done < 40 && polls < 1000; polls++) {
      for (const a of cp.assignments('w', 1).assignments ?? []) {
        cp.report(reportFor(a, 'w', 'Completed'));
        done++;
      }
    }
    expect(cp.getJob('old').status).toBe('Completed');
    const stale = cp.queueLength;
    cp.submitJob({ job_id: 'new', tasks: [{ task_id: 'n', type: 'x' }] });
    let polls = 0;
    let got: string[] | null = [];
    while (got?.length === 0 && polls < 1000) {
      polls++;
      got = ids(cp.assignments('w', 1));
    }
    expect(got).toEqual(['n']);
    // Each poll with max_tasks 1 looks at 32 references: it takes this many polls to reach the new one.
    expect(polls).toBe(Math.floor(stale / 32) + 1);
  });
});

describe("option staleRefs: 'drop' (not the gateway): no duplicates, no stale references", () => {
  it('a task is queued once, ended tasks leave the queue, and a new job is served at once', () => {
    const { cp } = setup({ staleRefs: 'drop' });
    cp.submitJob({ job_id: 'old', tasks: flat(40) });
    cp.register({ worker_id: 'w' });
    for (let done = 0, polls = 0; done < 40 && polls < 1000; polls++) {
      const reply = cp.assignments('w', 1);
      expect(reply.assignments).toHaveLength(1);
      for (const a of reply.assignments!) {
        cp.report(reportFor(a, 'w', 'Completed'));
        done++;
      }
      expect(cp.queueLength).toBeLessThanOrEqual(40 - done);
    }
    cp.submitJob({ job_id: 'new', tasks: [{ task_id: 'n', type: 'x' }] });
    expect(ids(cp.assignments('w', 1))).toEqual(['n']);
    expect(cp.assignments('w', 1)).toEqual({ assignments: null });
  });

  it('a task that comes back to Queued (retry, expiry) is queued again', () => {
    const { cp, clock } = setup({ staleRefs: 'drop', defaultMaxRetries: 1 });
    cp.submitJob({ job_id: 'j', tasks: flat(1) });
    cp.register({ worker_id: 'w' });
    cp.report(reportFor(only(cp.assignments('w', 1)), 'w', 'Failed'));
    expect(cp.queueLength).toBe(1);
    clock.advance(1000);
    only(cp.assignments('w', 1));
    clock.advance(15_001);
    expect(ids(cp.assignments('w', 1))).toEqual(['t0']);
  });
});
