/**
 * Store failures: what the gateway answers when its store or queue returns an
 * error (the handlers in internal/api/server.go), injected with the
 * `storeFailure` fault or ControlPlane.withStoreFailure.
 */
import { describe, expect, it } from 'vitest';
import { only, reportFor, setup } from './helpers.js';

const fails = (status: number, message = 'pq: connection refused') => expect.objectContaining({ name: 'GatewayError', status, message });

describe('rule: a failing store is answered 400 on report (nothing applied), 404 on heartbeat and poll, 500 on register and jobs', () => {
  it('report: 400 with the message, after the job, task, key and lease checks; nothing changes', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'x' }] });
    cp.register({ worker_id: 'w' });
    const a = only(cp.assignments('w', 1));
    const failing = (op: () => unknown) => () => cp.withStoreFailure('pq: connection refused', op);
    expect(failing(() => cp.report(reportFor(a, 'w', 'Completed')))).toThrow(fails(400));
    expect(cp.task('j', 't')).toMatchObject({ status: 'Assigned', reports: [] });
    expect(failing(() => cp.report({ job_id: 'nope' }))).toThrow(fails(404, 'job not found'));
    expect(failing(() => cp.report(reportFor(a, 'w', 'Completed', { lease_id: 'old' })))).toThrow(fails(400, 'stale lease for task t'));
    cp.report(reportFor(a, 'w', 'Completed'));
    expect(cp.withStoreFailure('x', () => cp.report(reportFor(a, 'w', 'Completed')))).toEqual({ accepted: true }); // a duplicate never writes
  });

  it('heartbeat and poll: 404 with the message (the status of "worker not registered"); nothing changes', () => {
    const { cp, clock } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'x' }] });
    cp.register({ worker_id: 'w' });
    expect(() => cp.withStoreFailure('pq: connection refused', () => cp.assignments('w', 1))).toThrow(fails(404));
    expect(cp.task('j', 't').status).toBe('Queued');
    only(cp.assignments('w', 1));
    clock.advance(10_000);
    expect(() => cp.withStoreFailure('pq: connection refused', () => cp.heartbeat('w', { running_tasks: 1 }))).toThrow(fails(404));
    expect(cp.worker('w')?.running_tasks).toBe(0);
    expect(cp.task('j', 't').lease_expires_at_ms).toBe(clock.now() + 5000);
  });

  it('register, submit and cancel: 500 with the message', () => {
    const { cp } = setup();
    expect(() => cp.withStoreFailure('pq: connection refused', () => cp.register({ worker_id: 'w' }))).toThrow(fails(500));
    expect(cp.workers()).toEqual([]);
    expect(() => cp.withStoreFailure('pq: connection refused', () => cp.register({}))).toThrow(fails(400, 'worker_id is required'));
    expect(() => cp.withStoreFailure('pq: connection refused', () => cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'x' }] }))).toThrow(fails(500));
    expect(cp.jobs()).toEqual([]);
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't', type: 'x' }] });
    expect(() => cp.withStoreFailure('pq: connection refused', () => cp.cancelJob('j'))).toThrow(fails(500));
    expect(cp.getJob('j').status).toBe('Running');
  });

  it('the store works again after the operation', () => {
    const { cp } = setup();
    expect(() => cp.withStoreFailure('down', () => cp.register({ worker_id: 'w' }))).toThrow();
    expect(cp.register({ worker_id: 'w' })).toMatchObject({ accepted: true });
  });
});
