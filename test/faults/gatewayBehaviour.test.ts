/**
 * The two control-plane behaviours crash recovery depends on, checked on the
 * development control plane (which must act like the gateway here):
 * a task whose worker reported Running is never re-queued by lease expiry, and
 * a late report for a task that was re-queued never lets it run twice.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../control-plane/clock.js';
import { ControlPlane } from '../../control-plane/ControlPlane.js';
import { interruptedReport, INTERRUPTED_ERROR } from '../../actors/taskJournal.js';
import { finalKey, runningKey } from '../../protocol/keys.js';

function setup(maxRetries = 1) {
  const clock = new ManualClock();
  const cp = new ControlPlane({ clock, leaseMs: 15_000, retryBackoffBaseMs: 1000 });
  const { job_id } = cp.submitJob({ tasks: [{ task_id: 't1', type: 'aggregation', max_retries: maxRetries }] });
  cp.register({ worker_id: 'w1' });
  const assignment = cp.assignments('w1', 1).assignments![0]!;
  return { clock, cp, jobId: job_id, assignment };
}

describe('development control plane, like the gateway', () => {
  it('never re-queues a Running task whose worker died: only a Failed report frees it', () => {
    const { clock, cp, jobId, assignment } = setup();
    cp.report({ worker_id: 'w1', job_id: jobId, task_id: 't1', lease_id: assignment.lease_id, idempotency_key: runningKey('w1', jobId, 't1', 1), status: 'Running' });
    clock.advance(10 * 60_000);
    cp.register({ worker_id: 'w2' });
    expect(cp.assignments('w2', 1).assignments ?? []).toEqual([]);
    expect(cp.task(jobId, 't1').status).toBe('Running');

    // The worker restarts (same id: it registers again) and its journal reports the task Failed.
    cp.register({ worker_id: 'w1' });
    cp.report(
      interruptedReport({ worker_id: 'w1', job_id: jobId, task_id: 't1', attempt: 1, lease_id: assignment.lease_id, idempotency_key: finalKey('w1', jobId, 't1', 1), started_at: 0 }),
    );
    expect(cp.task(jobId, 't1')).toMatchObject({ status: 'Queued', error: INTERRUPTED_ERROR });
    clock.advance(1000);
    // Both workers are idle and healthy: the gateway hands it to whichever scores best.
    const handed = [...(cp.assignments('w1', 1).assignments ?? []), ...(cp.assignments('w2', 1).assignments ?? [])];
    expect(handed).toHaveLength(1);
    expect(handed[0]).toMatchObject({ task_id: 't1', attempt: 2 });
  });

  it('with the gateway\'s default max_retries (0), the interrupted task fails its job: nothing runs it twice', () => {
    const { cp, jobId, assignment } = setup(0);
    cp.report({ worker_id: 'w1', job_id: jobId, task_id: 't1', lease_id: assignment.lease_id, idempotency_key: runningKey('w1', jobId, 't1', 1), status: 'Running' });
    cp.report(
      interruptedReport({ worker_id: 'w1', job_id: jobId, task_id: 't1', attempt: 1, lease_id: assignment.lease_id, idempotency_key: finalKey('w1', jobId, 't1', 1), started_at: 0 }),
    );
    expect(cp.task(jobId, 't1')).toMatchObject({ status: 'Failed', error: INTERRUPTED_ERROR });
    expect(cp.getJob(jobId).status).toBe('Failed');
  });

  it('a late Running for a task whose lease expired keeps it from running a second time', () => {
    const { clock, cp, jobId, assignment } = setup();
    clock.advance(16_000); // no heartbeat: the lease expired
    cp.register({ worker_id: 'w2' });
    // The gateway re-queues expired leases at the start of a poll; w2 is idle and healthy
    // like w1, so the task may go to either: unhealthy takes w1 out.
    cp.heartbeat('w1', { health: 'unhealthy' });
    // The first worker's Running report arrives late (its control-plane calls were failing),
    // before anyone polled: the lease is still the task's, so it is applied.
    cp.report({ worker_id: 'w1', job_id: jobId, task_id: 't1', lease_id: assignment.lease_id, idempotency_key: runningKey('w1', jobId, 't1', 1), status: 'Running' });
    expect(cp.task(jobId, 't1').status).toBe('Running');
    // Running clears the lease: expiry cannot re-queue it, so nobody else gets it.
    expect(cp.assignments('w2', 1).assignments ?? []).toEqual([]);
    cp.report({ worker_id: 'w1', job_id: jobId, task_id: 't1', lease_id: assignment.lease_id, idempotency_key: finalKey('w1', jobId, 't1', 1), status: 'Completed', output_artifact_uri: 'artifact://x' });
    expect(cp.getJob(jobId).status).toBe('Completed');
    expect(cp.assignments('w2', 1).assignments ?? []).toEqual([]);
  });
});
