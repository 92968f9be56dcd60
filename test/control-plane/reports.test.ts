/**
 * Reports (reports.ts, jobStatus.ts; the gateway's ReportTaskResult).
 */
import { describe, expect, it } from 'vitest';
import type { ReportOutcome } from '../../control-plane/events.js';
import { only, reportFor, setup } from './helpers.js';

function started(options: Parameters<typeof setup>[0] = {}, maxRetries?: number) {
  const ctx = setup(options);
  ctx.cp.submitJob({ job_id: 'job-1', tasks: [{ task_id: 't1', type: 'aggregation', ...(maxRetries === undefined ? {} : { max_retries: maxRetries }) }] });
  ctx.cp.register({ worker_id: 'w1' });
  return ctx;
}

describe('rule: the order of the checks: job 404, task 400, Canceled/Archived 200, same key 200, stale 400', () => {
  it('404 job not found', () => {
    const { cp } = started();
    expect(() => cp.report({ job_id: 'nope', task_id: 't1' })).toThrow(expect.objectContaining({ status: 404, message: 'job not found' }));
  });

  it('400 task <id> not found, even when the job is canceled', () => {
    const { cp } = started();
    expect(() => cp.report({ job_id: 'job-1', task_id: 'zz' })).toThrow(expect.objectContaining({ status: 400, message: 'task zz not found' }));
    cp.cancelJob('job-1');
    expect(() => cp.report({ job_id: 'job-1', task_id: 'zz' })).toThrow(expect.objectContaining({ status: 400, message: 'task zz not found' }));
  });

  it('a Canceled or Archived job: 200, nothing changes, even with a stale lease', () => {
    const { cp } = started();
    const a = only(cp.assignments('w1', 1));
    cp.report(reportFor(a, 'w1', 'Completed'));
    cp.archiveJob('job-1');
    const outcomes: ReportOutcome[] = [];
    cp.onReport((_r, o) => outcomes.push(o));
    expect(cp.report(reportFor(a, 'w1', 'Failed', { lease_id: 'someone-else' }))).toEqual({ accepted: true });
    expect(outcomes).toEqual(['ignored']);
    expect(cp.getJob('job-1').status).toBe('Archived');
    expect(cp.task('job-1', 't1').reports).toHaveLength(1);
  });

  it('the key is checked before the lease: a retried report whose lease was replaced since is still 200', () => {
    const { cp, clock } = started();
    const a = only(cp.assignments('w1', 1));
    cp.report(reportFor(a, 'w1', 'Running', { lease_id: '' }));
    clock.advance(1);
    const outcomes: ReportOutcome[] = [];
    cp.onReport((_r, o) => outcomes.push(o));
    cp.report(reportFor(a, 'w1', 'Running', { lease_id: '' }));
    expect(outcomes).toEqual(['duplicate']);
  });
});

describe('rule: a repeated idempotency key (the last accepted one) is 200 and changes nothing', () => {
  it('only the last accepted key counts; an empty key never repeats but is remembered as the last', () => {
    const { cp } = started();
    const outcomes: ReportOutcome[] = [];
    cp.onReport((_r, o) => outcomes.push(o));
    const a = only(cp.assignments('w1', 1));
    const running = reportFor(a, 'w1', 'Running', { idempotency_key: 'k-run' });
    cp.report(running);
    cp.report(running);
    cp.report(reportFor(a, 'w1', 'Running', { idempotency_key: '' }));
    cp.report(reportFor(a, 'w1', 'Running', { idempotency_key: '' }));
    cp.report(running); // the last key was '' now: applied again
    expect(outcomes).toEqual(['accepted', 'duplicate', 'accepted', 'accepted', 'accepted']);
    expect(cp.task('job-1', 't1').reports).toHaveLength(4);
  });
});

describe('rule: a report is applied even when the task already ended (late reports re-open tasks and jobs)', () => {
  it('a late Failed re-opens a Completed task; the job follows', () => {
    const { cp } = started({}, 1);
    const a = only(cp.assignments('w1', 1));
    cp.report(reportFor(a, 'w1', 'Completed'));
    expect(cp.getJob('job-1')).toMatchObject({ status: 'Completed', message: 'all tasks completed', result_artifact_uri: 'artifact://job-1/t1/output.json' });
    cp.report(reportFor(a, 'w1', 'Failed', { idempotency_key: 'late', error: 'late failure' }));
    expect(cp.task('job-1', 't1')).toMatchObject({ status: 'Queued', error: 'late failure', output_artifact_uri: '' });
    expect(cp.getJob('job-1')).toMatchObject({ status: 'Running', message: 'retrying task t1' });
  });

  it('a late Completed turns a Failed task and job back to Completed', () => {
    const { cp } = started();
    const a = only(cp.assignments('w1', 1));
    cp.report(reportFor(a, 'w1', 'Failed'));
    expect(cp.getJob('job-1')).toMatchObject({ status: 'Failed', message: 'one or more tasks failed' });
    cp.report(reportFor(a, 'w1', 'Completed')); // same key as the Failed one: a duplicate
    expect(cp.getJob('job-1').status).toBe('Failed');
    cp.report(reportFor(a, 'w1', 'Completed', { idempotency_key: 'late' }));
    expect(cp.getJob('job-1')).toMatchObject({ status: 'Completed', message: 'all tasks completed' });
  });

  it('a late Running puts a Completed task back to Running on the reporting worker id, and leaves the job as it was', () => {
    const { cp } = started();
    const a = only(cp.assignments('w1', 1));
    cp.report(reportFor(a, 'w1', 'Completed'));
    cp.report(reportFor(a, 'w1', 'Running', { idempotency_key: 'late', worker_id: 'someone' }));
    expect(cp.task('job-1', 't1')).toMatchObject({ status: 'Running', worker_id: 'someone', output_artifact_uri: '' });
    expect(cp.getJob('job-1')).toMatchObject({ status: 'Completed', tasks: { running: 1, completed: 0 } });
  });

  it('a report for a task re-queued by expiry (not yet re-assigned) takes it out of the scheduler', () => {
    const { cp, clock } = started();
    const a = only(cp.assignments('w1', 1));
    clock.advance(16_000);
    cp.sweep();
    cp.report(reportFor(a, 'w1', 'Running'));
    expect(cp.assignments('w1', 5)).toEqual({ assignments: [] }); // its reference is still queued, but it is Running
    cp.report(reportFor(a, 'w1', 'Completed'));
    expect(cp.getJob('job-1').status).toBe('Completed');
  });
});

describe('rule: the status: empty is Completed, Running and Completed as such, anything else counts as Failed', () => {
  it.each(['Failed', 'Done', 'running', 'COMPLETED', 'error'])('%s counts as Failed', (status) => {
    const { cp } = started();
    const a = only(cp.assignments('w1', 1));
    cp.report({ ...reportFor(a, 'w1', 'Failed'), status });
    expect(cp.task('job-1', 't1')).toMatchObject({ status: 'Failed', reports: [expect.objectContaining({ status: 'Failed', reported_status: status })] });
  });

  it('empty (or missing) is Completed', () => {
    const { cp } = started();
    const a = only(cp.assignments('w1', 1));
    const { status: _status, ...noStatus } = reportFor(a, 'w1', 'Completed');
    cp.report(noStatus);
    expect(cp.getJob('job-1').status).toBe('Completed');
  });
});

describe('rule: a failure re-queues the task while attempt <= max_retries (default 0), with backoff 2^(attempt-1) s up to 32 s', () => {
  it('max_retries defaults to 0: the first failure fails task and job', () => {
    const { cp } = started();
    expect(cp.task('job-1', 't1').max_retries).toBe(0);
    cp.report(reportFor(only(cp.assignments('w1', 1)), 'w1', 'Failed', { error: 'tool exited 1' }));
    expect(cp.task('job-1', 't1')).toMatchObject({ status: 'Failed', error: 'tool exited 1' });
    expect(cp.getJob('job-1')).toMatchObject({ status: 'Failed', message: 'one or more tasks failed', error: 'tool exited 1' });
  });

  it('defaultMaxRetries is an option', () => {
    expect(started({ defaultMaxRetries: 3 }).cp.task('job-1', 't1').max_retries).toBe(3);
  });

  it('re-queued: no worker, not assignable before the backoff, "retrying task <id>"; fails after max_retries', () => {
    const { cp, clock } = started({}, 2);
    const waits: number[] = [];
    cp.subscribe((e) => {
      if (e.type === 'task.requeued' && e.reason === 'failed') waits.push(e.notBeforeMs - clock.now());
    });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const a = only(cp.assignments('w1', 1));
      expect(a.attempt).toBe(attempt);
      cp.report(reportFor(a, 'w1', 'Failed'));
      expect(cp.task('job-1', 't1')).toMatchObject({ status: 'Queued', worker_id: '', error: 'boom' });
      expect(cp.getJob('job-1')).toMatchObject({ status: 'Running', message: 'retrying task t1' });
      clock.advance(2 ** (attempt - 1) * 1000);
    }
    expect(waits).toEqual([1000, 2000]);
    cp.report(reportFor(only(cp.assignments('w1', 1)), 'w1', 'Failed', { error: 'still broken' }));
    expect(cp.task('job-1', 't1')).toMatchObject({ status: 'Failed', attempt: 3, error: 'still broken' });
    expect(cp.getJob('job-1')).toMatchObject({ status: 'Failed', message: 'retrying task t1' }); // the gateway keeps a message it had
  });

  it('the backoff doubles up to 32 s, and scales with retryBackoffBaseMs', () => {
    const run = (base?: number) => {
      const { cp, clock } = started(base === undefined ? {} : { retryBackoffBaseMs: base }, 10);
      const waits: number[] = [];
      cp.subscribe((e) => {
        if (e.type === 'task.requeued') waits.push(e.notBeforeMs - clock.now());
      });
      for (let i = 0; i < 8; i++) {
        cp.report(reportFor(only(cp.assignments('w1', 1)), 'w1', 'Failed'));
        clock.advance(60_000);
      }
      return waits;
    };
    expect(run()).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 32000, 32000]);
    expect(run(1)).toEqual([1, 2, 4, 8, 16, 32, 32, 32]);
  });

  it('a completed retry brings the message back to "in progress"', () => {
    const { cp, clock } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x', max_retries: 1 }, { task_id: 'b', type: 'x' }] });
    cp.register({ worker_id: 'w' });
    const first = cp.assignments('w', 2).assignments!;
    const a = first.find((x) => x.task_id === 'a')!;
    cp.report(reportFor(a, 'w', 'Failed'));
    expect(cp.getJob('j').message).toBe('retrying task a');
    clock.advance(1000);
    cp.report(reportFor(only(cp.assignments('w', 1)), 'w', 'Completed'));
    expect(cp.getJob('j')).toMatchObject({ status: 'Running', message: 'in progress' });
  });

  it('a failed job does not cancel its other tasks: they stay, and their reports still count', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x' }, { task_id: 'b', type: 'x' }, { task_id: 'c', type: 'x', depends_on: ['a'] }] });
    cp.register({ worker_id: 'w' });
    const [x, y] = cp.assignments('w', 2).assignments!;
    cp.report(reportFor(x!, 'w', 'Failed'));
    expect(cp.getJob('j').status).toBe('Failed');
    cp.report(reportFor(y!, 'w', 'Completed'));
    expect(cp.tasks('j').map((t) => [t.task_id, t.status])).toEqual([
      [x!.task_id, 'Failed'],
      [y!.task_id, 'Completed'],
      ['c', 'Queued'],
    ].sort((p, q) => (p[0]! < q[0]! ? -1 : 1)));
  });
});

describe('rule: the job status after a report: any Failed -> Failed, all Completed -> Completed with a result, else Running', () => {
  it('the result URI is the output of the task that completed the job; messages follow the gateway', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x' }, { task_id: 'b', type: 'x' }] });
    cp.register({ worker_id: 'w1' });
    expect(cp.getJob('j')).toMatchObject({ status: 'Running', message: '' });
    const [a, b] = cp.assignments('w1', 2).assignments!;
    cp.report(reportFor(b!, 'w1', 'Running'));
    expect(cp.getJob('j').message).toBe(''); // Running reports do not touch the job
    cp.report({ ...reportFor(b!, 'w1', 'Completed'), status: '' });
    expect(cp.getJob('j')).toMatchObject({ status: 'Running', message: 'in progress' });
    cp.report(reportFor(a!, 'w1', 'Completed'));
    expect(cp.getJob('j')).toMatchObject({ status: 'Completed', message: 'all tasks completed', result_artifact_uri: `artifact://j/${a!.task_id}/output.json` });
  });
});

describe('rule: a completed model_download adds its model to the reporting worker', () => {
  it('once, case-insensitively, only on Completed, only for a registered reporter', () => {
    const { cp } = setup();
    cp.submitJob({ tasks: [{ task_id: 'dl', type: 'model_download' }], model: 'org/tiny' });
    cp.register({ worker_id: 'w', models: ['other'] });
    const a = only(cp.assignments('w', 1));
    cp.report(reportFor(a, 'w', 'Running'));
    expect(cp.worker('w')?.models).toEqual(['other']);
    cp.report(reportFor(a, 'w', 'Completed'));
    expect(cp.worker('w')?.models).toEqual(['other', 'org/tiny']);
    cp.report(reportFor(a, 'w', 'Completed', { idempotency_key: 'again' }));
    cp.report(reportFor(a, 'ghost', 'Completed', { idempotency_key: 'ghost' }));
    expect(cp.worker('w')?.models).toEqual(['other', 'org/tiny']);
  });
});

describe('report history and listeners', () => {
  it('keeps every accepted report per task with worker, lease, key, status and attempt', () => {
    const { cp } = started();
    const a = only(cp.assignments('w1', 1));
    cp.report(reportFor(a, 'w1', 'Running'));
    cp.report(reportFor(a, 'w1', 'Completed', { duration_millis: 42 }));
    expect(cp.task('job-1', 't1').reports[1]).toMatchObject({
      worker_id: 'w1',
      status: 'Completed',
      reported_status: 'Completed',
      lease_id: a.lease_id,
      idempotency_key: 'w1:job-1:t1:1',
      duration_millis: 42,
      attempt: 1,
      output_artifact_uri: 'artifact://job-1/t1/output.json',
    });
  });
});
