import { describe, expect, it } from 'vitest';
import type { ReportOutcome } from '../../control-plane/events.js';
import { only, reportFor, setup } from './helpers.js';

function started(options: Parameters<typeof setup>[0] = {}, maxRetries?: number) {
  const ctx = setup(options);
  ctx.cp.submitJob({ job_id: 'job-1', tasks: [{ task_id: 't1', type: 'aggregation', ...(maxRetries === undefined ? {} : { max_retries: maxRetries }) }] });
  ctx.cp.register({ worker_id: 'w1' });
  return ctx;
}

describe('report errors', () => {
  it('404 job not found for an unknown job', () => {
    const { cp } = started();
    expect(() => cp.report({ job_id: 'nope', task_id: 't1', status: 'Completed' })).toThrow(
      expect.objectContaining({ status: 404, message: 'job not found' }),
    );
  });

  it('400 task <id> not found for an unknown task', () => {
    const { cp } = started();
    expect(() => cp.report({ job_id: 'job-1', task_id: 'zz', status: 'Completed' })).toThrow(
      expect.objectContaining({ status: 400, message: 'task zz not found' }),
    );
  });
});

describe('idempotency', () => {
  it('a repeated idempotency key is 200 with no change, and is not recorded twice', () => {
    const { cp } = started();
    const outcomes: ReportOutcome[] = [];
    cp.onReport((_r, o) => outcomes.push(o));
    const a = only(cp.assignments('w1', 1));
    const running = reportFor(a, 'w1', 'Running');
    expect(cp.report(running)).toEqual({ accepted: true });
    expect(cp.report(running)).toEqual({ accepted: true });
    const done = reportFor(a, 'w1', 'Completed');
    cp.report(done);
    cp.report(done);
    expect(outcomes).toEqual(['accepted', 'duplicate', 'accepted', 'duplicate']);
    const task = cp.tasks('job-1')[0]!;
    expect(task.reports.map((r) => [r.status, r.idempotency_key])).toEqual([
      ['Running', 'w1:job-1:t1:1:running'],
      ['Completed', 'w1:job-1:t1:1'],
    ]);
  });

  it('only the LAST accepted key is remembered (an older key is applied again)', () => {
    const { cp } = started();
    const a = only(cp.assignments('w1', 1));
    const running = reportFor(a, 'w1', 'Running', { idempotency_key: 'k-run' });
    cp.report(running);
    cp.report(reportFor(a, 'w1', 'Running', { idempotency_key: 'k-run-2' }));
    cp.report(running);
    expect(cp.tasks('job-1')[0]?.reports).toHaveLength(3);
  });
});

describe('Canceled and Archived jobs', () => {
  it('reports are 200 with no change', () => {
    const { cp } = started();
    const a = only(cp.assignments('w1', 1));
    cp.cancelJob('job-1');
    const outcomes: ReportOutcome[] = [];
    cp.onReport((_r, o) => outcomes.push(o));
    expect(cp.report(reportFor(a, 'w1', 'Completed'))).toEqual({ accepted: true });
    // even an unknown task: the job state is checked first
    expect(cp.report({ job_id: 'job-1', task_id: 'zz' })).toEqual({ accepted: true });
    expect(outcomes).toEqual(['ignored', 'ignored']);
    expect(cp.getJob('job-1')).toMatchObject({ status: 'Canceled', tasks: { canceled: 1, completed: 0 } });
  });

  it('archived jobs too', () => {
    const { cp } = started();
    const a = only(cp.assignments('w1', 1));
    cp.archiveJob('job-1');
    cp.report(reportFor(a, 'w1', 'Completed'));
    expect(cp.getJob('job-1').status).toBe('Archived');
    expect(cp.tasks('job-1')[0]?.reports).toEqual([]);
  });
});

describe('Completed', () => {
  it('empty status means Completed; the job result is the last completed task output', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x' }, { task_id: 'b', type: 'x' }] });
    cp.register({ worker_id: 'w1' });
    const [a, b] = cp.assignments('w1', 2).assignments!;
    cp.report({ ...reportFor(b!, 'w1', 'Completed'), status: '' });
    expect(cp.getJob('j').status).toBe('Running');
    cp.report(reportFor(a!, 'w1', 'Completed'));
    expect(cp.getJob('j')).toMatchObject({ status: 'Completed', result_artifact_uri: 'artifact://j/a/output.json', tasks: { completed: 2 } });
  });

  it('an unknown status is refused with 400', () => {
    const { cp } = started();
    const a = only(cp.assignments('w1', 1));
    expect(() => cp.report({ ...reportFor(a, 'w1', 'Completed'), status: 'Done' })).toThrow(expect.objectContaining({ status: 400 }));
  });
});

describe('Failed', () => {
  it('re-queues with backoff 2^(attempt-1) s while attempt <= max_retries, then fails task and job', () => {
    const { cp, clock } = started({}, 3);
    const backoffs: number[] = [];
    cp.subscribe((e) => {
      if (e.type === 'task.requeued' && e.reason === 'failed') backoffs.push(e.notBeforeMs - clock.now());
    });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const a = only(cp.assignments('w1', 1));
      expect(a.attempt).toBe(attempt);
      cp.report(reportFor(a, 'w1', 'Failed'));
      expect(cp.tasks('job-1')[0]).toMatchObject({ status: 'Queued', error: 'boom' });
      // Not assignable during the backoff...
      clock.advance(2 ** (attempt - 1) * 1000 - 1);
      expect(cp.assignments('w1', 1)).toEqual({ assignments: null });
      // ...and assignable right after it.
      clock.advance(1);
    }
    expect(backoffs).toEqual([1000, 2000, 4000]);
    const last = only(cp.assignments('w1', 1));
    expect(last.attempt).toBe(4);
    cp.report(reportFor(last, 'w1', 'Failed', { error: 'still broken' }));
    expect(cp.tasks('job-1')[0]).toMatchObject({ status: 'Failed', attempt: 4, error: 'still broken' });
    expect(cp.getJob('job-1')).toMatchObject({ status: 'Failed' });
    expect(cp.getJob('job-1').error).toContain('still broken');
  });

  it('max_retries 0 fails at the first failure; default max_retries is 3', () => {
    const zero = started({}, 0);
    zero.cp.report(reportFor(only(zero.cp.assignments('w1', 1)), 'w1', 'Failed'));
    expect(zero.cp.getJob('job-1').status).toBe('Failed');
    expect(started().cp.tasks('job-1')[0]?.max_retries).toBe(3);
  });

  it('backoff is capped at 32 s and scales with the configured base', () => {
    const { cp, clock } = started({}, 10);
    const waits: number[] = [];
    cp.subscribe((e) => {
      if (e.type === 'task.requeued') waits.push(e.notBeforeMs - clock.now());
    });
    for (let i = 0; i < 8; i++) {
      cp.report(reportFor(only(cp.assignments('w1', 1)), 'w1', 'Failed'));
      clock.advance(60_000);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 32000, 32000]);

    const fast = started({ retryBackoffBaseMs: 1 }, 10);
    const fastWaits: number[] = [];
    fast.cp.subscribe((e) => {
      if (e.type === 'task.requeued') fastWaits.push(e.notBeforeMs - fast.clock.now());
    });
    for (let i = 0; i < 7; i++) {
      fast.cp.report(reportFor(only(fast.cp.assignments('w1', 1)), 'w1', 'Failed'));
      fast.clock.advance(100);
    }
    expect(fastWaits).toEqual([1, 2, 4, 8, 16, 32, 32]);
  });

  it('a permanent failure cancels the job\'s waiting tasks', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x', max_retries: 0 }, { task_id: 'b', type: 'x', depends_on: ['a'] }] });
    cp.register({ worker_id: 'w1' });
    cp.report(reportFor(only(cp.assignments('w1', 1)), 'w1', 'Failed'));
    expect(cp.tasks('j').map((t) => t.status)).toEqual(['Failed', 'Canceled']);
    expect(cp.assignments('w1', 5)).toEqual({ assignments: null });
  });
});

describe('report history and listeners', () => {
  it('keeps every accepted report per task with worker, lease, key, status and attempt', () => {
    const { cp } = started();
    const perTask = new Map<string, number>();
    cp.onReport((r, outcome) => {
      if (outcome === 'accepted') perTask.set(r.task_id ?? '', (perTask.get(r.task_id ?? '') ?? 0) + 1);
    });
    const a = only(cp.assignments('w1', 1));
    cp.report(reportFor(a, 'w1', 'Running'));
    cp.report(reportFor(a, 'w1', 'Completed', { duration_millis: 42 }));
    expect(perTask.get('t1')).toBe(2);
    expect(cp.task('job-1', 't1').reports[1]).toMatchObject({
      worker_id: 'w1',
      status: 'Completed',
      lease_id: a.lease_id,
      idempotency_key: 'w1:job-1:t1:1',
      duration_millis: 42,
      attempt: 1,
      output_artifact_uri: 'artifact://job-1/t1/output.json',
    });
  });

  it('reports on a task that already ended change nothing', () => {
    const { cp } = started();
    const a = only(cp.assignments('w1', 1));
    cp.report(reportFor(a, 'w1', 'Completed'));
    cp.report(reportFor(a, 'w1', 'Failed', { idempotency_key: 'late' }));
    expect(cp.getJob('job-1').status).toBe('Completed');
    expect(cp.tasks('job-1')[0]?.reports).toHaveLength(1);
  });
});
