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

function setup() {
  const clock = new ManualClock();
  const cp = new ControlPlane({ clock, leaseMs: 15_000, retryBackoffBaseMs: 1000 });
  const { job_id } = cp.submitJob({ tasks: [{ task_id: 't1', type: 'aggregation' }] });
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
    expect(cp.assignments('w2', 1).assignments).toBeNull();
    expect(cp.task(jobId, 't1').status).toBe('Running');

    // What a restarted worker's journal sends for it.
    cp.report(
      interruptedReport({ worker_id: 'w1', job_id: jobId, task_id: 't1', attempt: 1, lease_id: assignment.lease_id, idempotency_key: finalKey('w1', jobId, 't1', 1), started_at: 0 }),
    );
    expect(cp.task(jobId, 't1')).toMatchObject({ status: 'Queued', error: INTERRUPTED_ERROR });
    clock.advance(1000);
    expect(cp.assignments('w2', 1).assignments?.[0]).toMatchObject({ task_id: 't1', attempt: 2 });
  });

  it('a late Running for a task re-queued by lease expiry takes it off the queue (no second run)', () => {
    const { clock, cp, jobId, assignment } = setup();
    clock.advance(16_000); // no heartbeat: the lease expired, the task is queued again
    cp.sweep();
    expect(cp.task(jobId, 't1').status).toBe('Queued');
    // The first worker's Running report arrives late (its control-plane calls were failing).
    cp.report({ worker_id: 'w1', job_id: jobId, task_id: 't1', lease_id: assignment.lease_id, idempotency_key: runningKey('w1', jobId, 't1', 1), status: 'Running' });
    cp.register({ worker_id: 'w2' });
    expect(cp.assignments('w2', 1).assignments).toBeNull();
    cp.report({ worker_id: 'w1', job_id: jobId, task_id: 't1', lease_id: assignment.lease_id, idempotency_key: finalKey('w1', jobId, 't1', 1), status: 'Completed', output_artifact_uri: 'artifact://x' });
    expect(cp.getJob(jobId).status).toBe('Completed');
    expect(cp.assignments('w2', 1).assignments).toBeNull();
  });
});
