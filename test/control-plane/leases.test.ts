/**
 * Leases (leases.ts), their extension by heartbeats (Heartbeat,
 * extendWorkerLeasesWithTimeout) and their expiry (expiry.ts; requeueExpiredLeases).
 */
import { describe, expect, it } from 'vitest';
import type { ControlPlaneEvent } from '../../control-plane/events.js';
import { formatLeaseId } from '../../control-plane/leases.js';
import { only, reportFor, setup } from './helpers.js';

const oneTask = (extra: { timeout_sec?: number; max_retries?: number } = {}) => ({ job_id: 'job-1', tasks: [{ task_id: 't1', type: 'aggregation', ...extra }] });

describe('rule: a lease id is <worker>:<task>:<attempt>:<unix nanos of the lease start>', () => {
  it('with the sub-millisecond part of the clock', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    clock.advance(0.5);
    const a = only(cp.assignments('w1', 1));
    const nanos = BigInt(Math.floor(clock.now())) * 1_000_000n + 500_000n;
    expect(a.lease_id).toBe(`w1:t1:1:${nanos}`);
    expect(formatLeaseId('w', 't', 3, 1_764_170_000_123)).toBe('w:t:3:1764170000123000000');
  });
});

describe('rule: a lease lasts min(lease duration, lease start + timeout_sec)', () => {
  it.each([
    [{}, 15_000],
    [{ timeout_sec: 2 }, 2000],
    [{ timeout_sec: 60 }, 15_000],
  ])('%j -> %s ms', (extra, ms) => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask(extra));
    cp.register({ worker_id: 'w1' });
    cp.assignments('w1', 1);
    expect(cp.task('job-1', 't1').lease_expires_at_ms).toBe(clock.now() + ms);
  });

  it('the duration is an option', () => {
    const { cp, clock } = setup({ leaseMs: 1000 });
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    cp.assignments('w1', 1);
    expect(cp.task('job-1', 't1').lease_expires_at_ms).toBe(clock.now() + 1000);
  });
});

describe("rule: a heartbeat extends the holder's leases that have not run out to min(now + lease, deadline)", () => {
  it('every heartbeat of the holder, never another worker', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    only(cp.assignments('w1', 1));
    cp.register({ worker_id: 'w2' });
    for (let i = 0; i < 10; i++) {
      clock.advance(10_000);
      cp.heartbeat('w1');
    }
    expect(cp.task('job-1', 't1')).toMatchObject({ status: 'Assigned', lease_expires_at_ms: clock.now() + 15_000 });
    clock.advance(10_000);
    cp.heartbeat('w2');
    expect(cp.task('job-1', 't1').lease_expires_at_ms).toBe(clock.now() + 5000);
  });

  it('never past the deadline (timeout_sec from the lease start)', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask({ timeout_sec: 20 }));
    cp.register({ worker_id: 'w1' });
    cp.assignments('w1', 1);
    const start = clock.now();
    clock.advance(10_000);
    cp.heartbeat('w1');
    expect(cp.task('job-1', 't1').lease_expires_at_ms).toBe(start + 20_000);
  });

  it('a lease that ran out is not extended, even before the next poll re-queues it (also at the exact expiry)', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    cp.assignments('w1', 1);
    const expiry = cp.task('job-1', 't1').lease_expires_at_ms;
    clock.advance(15_000); // now == expiry: not expired yet for a poll, no longer extendable
    cp.heartbeat('w1');
    expect(cp.task('job-1', 't1')).toMatchObject({ status: 'Assigned', lease_expires_at_ms: expiry });
    clock.advance(1);
    cp.heartbeat('w1');
    expect(cp.task('job-1', 't1').lease_expires_at_ms).toBe(expiry);
    cp.assignments('w1', 1);
    expect(cp.task('job-1', 't1').attempt).toBe(2);
  });

  it('a Running report clears the lease: heartbeats no longer touch it and expiry never re-queues it', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    const a = only(cp.assignments('w1', 1));
    cp.register({ worker_id: 'w2' });
    cp.report(reportFor(a, 'w1', 'Running'));
    expect(cp.task('job-1', 't1')).toMatchObject({ status: 'Running', lease_id: '', lease_expires_at_ms: 0 });
    cp.heartbeat('w1');
    expect(cp.task('job-1', 't1').lease_expires_at_ms).toBe(0);
    clock.advance(24 * 3600_000);
    expect(cp.assignments('w2', 1)).toEqual({ assignments: null });
    expect(cp.task('job-1', 't1').status).toBe('Running');
    cp.report(reportFor(a, 'w1', 'Completed')); // no lease any more: not stale
    expect(cp.getJob('job-1').status).toBe('Completed');
  });
});

describe('rule: leases expire only at the start of a poll (any registered worker), never on a timer or another request', () => {
  it('heartbeats, reports, status reads and a 404 poll leave an expired task Assigned; a poll re-queues it', () => {
    const { cp, clock } = setup();
    cp.submitJob({ job_id: 'job-1', tasks: [{ task_id: 't1', type: 'x' }, { task_id: 't2', type: 'x' }] });
    cp.register({ worker_id: 'w1' });
    const [a] = cp.assignments('w1', 2).assignments!;
    clock.advance(60_000);
    cp.heartbeat('w1');
    cp.report(reportFor(a!, 'w1', 'Running', { idempotency_key: 'other' }));
    cp.getJob('job-1');
    expect(() => cp.assignments('ghost', 1)).toThrow('worker not registered');
    const other = cp.tasks('job-1').find((t) => t.task_id !== a!.task_id)!;
    expect(other).toMatchObject({ status: 'Assigned', worker_id: 'w1' });
    cp.register({ worker_id: 'w2' });
    cp.assignments('w2', 0);
    expect(cp.task('job-1', other.task_id).attempt).toBe(2);
  });

  it('a lease is still valid at its exact expiry instant (expiry must be before now)', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    only(cp.assignments('w1', 1));
    clock.advance(15_000);
    expect(cp.assignments('w1', 1)).toEqual({ assignments: null });
    expect(cp.task('job-1', 't1').status).toBe('Assigned');
    clock.advance(1);
    expect(only(cp.assignments('w1', 1)).attempt).toBe(2);
  });

  it('sweep() does what the start of a poll does, for tests that want to see it', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    cp.assignments('w1', 1);
    clock.advance(15_001);
    expect(cp.task('job-1', 't1').status).toBe('Assigned');
    cp.sweep();
    expect(cp.task('job-1', 't1').status).toBe('Queued');
  });
});

describe('rule: a lease that lapsed without timeout_sec re-queues the task at once, attempt unchanged, never failing it', () => {
  it('again and again, whatever max_retries', () => {
    const { cp, clock } = setup();
    const events: ControlPlaneEvent[] = [];
    cp.subscribe((e) => events.push(e));
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    let previous = only(cp.assignments('w1', 1));
    for (let attempt = 2; attempt <= 5; attempt++) {
      clock.advance(15_001);
      const next = only(cp.assignments('w1', 1));
      expect(next.attempt).toBe(attempt);
      expect(next.lease_id).not.toBe(previous.lease_id);
      previous = next;
    }
    expect(events).toContainEqual({ type: 'task.requeued', jobId: 'job-1', taskId: 't1', attempt: 1, reason: 'lease_expired', notBeforeMs: 0 });
    expect(cp.task('job-1', 't1').error).toBe('');
  });
});

describe('rule: a lease that ran past timeout_sec fails the task after max_retries, else re-queues it after the backoff', () => {
  it('max_retries 0: Failed, "task timed out after 1 attempt(s)", and the job fails', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask({ timeout_sec: 2 }));
    cp.register({ worker_id: 'w1' });
    only(cp.assignments('w1', 1));
    clock.advance(2001);
    expect(cp.assignments('w1', 1)).toEqual({ assignments: null }); // a failed task is not queued
    expect(cp.task('job-1', 't1')).toMatchObject({ status: 'Failed', worker_id: '', lease_id: '', error: 'task timed out after 1 attempt(s)' });
    expect(cp.getJob('job-1')).toMatchObject({ status: 'Failed', message: 'one or more tasks failed' });
  });

  it('with retries left: Queued, "task timed out, retrying attempt N+1", assignable after 2^(attempt-1) s', () => {
    const { cp, clock } = setup();
    const events: ControlPlaneEvent[] = [];
    cp.subscribe((e) => events.push(e));
    cp.submitJob(oneTask({ timeout_sec: 2, max_retries: 2 }));
    cp.register({ worker_id: 'w1' });
    only(cp.assignments('w1', 1));
    clock.advance(2001);
    expect(cp.assignments('w1', 1)).toEqual({ assignments: [] });
    expect(cp.task('job-1', 't1')).toMatchObject({ status: 'Queued', attempt: 1, error: 'task timed out, retrying attempt 2', lease_expires_at_ms: clock.now() + 1000 });
    expect(events).toContainEqual(expect.objectContaining({ type: 'task.requeued', reason: 'timed_out', notBeforeMs: clock.now() + 1000 }));
    clock.advance(1000);
    expect(only(cp.assignments('w1', 1)).attempt).toBe(2);
    clock.advance(2001);
    cp.assignments('w1', 1);
    expect(cp.task('job-1', 't1')).toMatchObject({ status: 'Queued', error: 'task timed out, retrying attempt 3', lease_expires_at_ms: clock.now() + 2000 });
    clock.advance(2000);
    only(cp.assignments('w1', 1));
    clock.advance(2001);
    cp.assignments('w1', 1);
    expect(cp.task('job-1', 't1')).toMatchObject({ status: 'Failed', attempt: 3, error: 'task timed out after 3 attempt(s)' });
  });

  it('a timed-out lease is not extended by heartbeats past the deadline', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask({ timeout_sec: 20 }));
    cp.register({ worker_id: 'w1' });
    cp.assignments('w1', 1);
    for (let i = 0; i < 4; i++) {
      clock.advance(5000);
      cp.heartbeat('w1');
    }
    clock.advance(1);
    cp.assignments('w1', 1);
    expect(cp.task('job-1', 't1')).toMatchObject({ status: 'Failed', error: 'task timed out after 1 attempt(s)' });
  });
});

describe('rule: a report with a lease id different from the one the task holds is 400 stale', () => {
  it('the old holder is refused once the task was leased again; without a lease id a report is never stale', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    const old = only(cp.assignments('w1', 1));
    clock.advance(16_000);
    const fresh = only(cp.assignments('w1', 1));
    const outcomes: string[] = [];
    cp.onReport((_r, outcome) => outcomes.push(outcome));
    expect(() => cp.report(reportFor(old, 'w1', 'Completed'))).toThrow(expect.objectContaining({ status: 400, message: 'stale lease for task t1' }));
    expect(cp.task('job-1', 't1')).toMatchObject({ status: 'Assigned', lease_id: fresh.lease_id, reports: [] });
    cp.report(reportFor(old, 'w1', 'Running', { lease_id: '' }));
    expect(outcomes).toEqual(['stale', 'accepted']);
  });
});
