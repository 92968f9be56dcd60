import { describe, expect, it } from 'vitest';
import { formatLeaseId } from '../../control-plane/leases.js';
import type { ControlPlaneEvent } from '../../control-plane/events.js';
import { only, reportFor, setup } from './helpers.js';

const oneTask = (extra: { timeout_sec?: number } = {}) => ({ job_id: 'job-1', tasks: [{ task_id: 't1', type: 'aggregation', ...extra }] });

describe('lease ids', () => {
  it('are <worker>:<task>:<attempt>:<unix nanos of the lease start>', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    clock.advance(0.5); // the sub-millisecond part must survive into the nanoseconds
    const a = only(cp.assignments('w1', 1));
    const nanos = BigInt(Math.floor(clock.now())) * 1_000_000n + 500_000n;
    expect(a.lease_id).toBe(`w1:t1:1:${nanos}`);
    expect(a.attempt).toBe(1);
    expect(formatLeaseId('w', 't', 3, 1_764_170_000_123)).toBe('w:t:3:1764170000123000000');
  });
});

describe('lease expiry', () => {
  it('re-queues an Assigned task after 15 s; the next poll gets attempt 2 with a new lease', () => {
    const { cp, clock } = setup();
    const events: ControlPlaneEvent[] = [];
    cp.subscribe((e) => events.push(e));
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    cp.register({ worker_id: 'w2' });
    const first = only(cp.assignments('w1', 1));
    clock.advance(15_000);
    expect(cp.tasks('job-1')[0]?.status).toBe('Assigned'); // valid at the exact expiry instant (Go's After)
    expect(cp.assignments('w2', 1)).toEqual({ assignments: null });
    clock.advance(1);
    expect(cp.tasks('job-1')[0]).toMatchObject({ status: 'Queued', lease_id: '', worker_id: '' });
    expect(events).toContainEqual(expect.objectContaining({ type: 'task.requeued', taskId: 't1', reason: 'lease_expired' }));
    const second = only(cp.assignments('w2', 1));
    expect(second.attempt).toBe(2);
    expect(second.lease_id).not.toBe(first.lease_id);
    expect(second.lease_id.startsWith('w2:t1:2:')).toBe(true);
  });

  it('honours a configured lease duration', () => {
    const { cp, clock } = setup({ leaseMs: 1000 });
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    cp.assignments('w1', 1);
    clock.advance(1001);
    expect(cp.tasks('job-1')[0]?.status).toBe('Queued');
  });

  it('is extended by each heartbeat of the holder to now + lease duration', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    cp.register({ worker_id: 'w2' });
    cp.assignments('w1', 1);
    for (let i = 0; i < 10; i++) {
      clock.advance(10_000);
      cp.heartbeat('w1', {});
    }
    expect(cp.tasks('job-1')[0]).toMatchObject({ status: 'Assigned', lease_expires_at_ms: clock.now() + 15_000 });
    cp.heartbeat('w2', {}); // another worker's heartbeat does not extend it
    clock.advance(15_001);
    expect(cp.tasks('job-1')[0]?.status).toBe('Queued');
  });

  it('is never extended beyond the task deadline (timeout_sec from the lease start)', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask({ timeout_sec: 20 }));
    cp.register({ worker_id: 'w1' });
    cp.assignments('w1', 1);
    const start = clock.now();
    clock.advance(10_000);
    cp.heartbeat('w1', {});
    expect(cp.tasks('job-1')[0]?.lease_expires_at_ms).toBe(start + 20_000);
    clock.advance(10_001);
    cp.heartbeat('w1', {});
    expect(cp.tasks('job-1')[0]?.status).toBe('Queued');
  });

  it('initial lease is also capped by a deadline shorter than the lease', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask({ timeout_sec: 2 }));
    cp.register({ worker_id: 'w1' });
    cp.assignments('w1', 1);
    expect(cp.tasks('job-1')[0]?.lease_expires_at_ms).toBe(clock.now() + 2000);
  });
});

describe('Running report', () => {
  it('clears lease id and expiry, so the task is never re-queued by expiry (gateway behaviour)', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    cp.register({ worker_id: 'w2' });
    const a = only(cp.assignments('w1', 1));
    cp.report(reportFor(a, 'w1', 'Running'));
    expect(cp.tasks('job-1')[0]).toMatchObject({ status: 'Running', lease_id: '', lease_expires_at_ms: 0 });
    clock.advance(24 * 3600 * 1000); // a day, no heartbeat
    expect(cp.assignments('w2', 1)).toEqual({ assignments: null });
    expect(cp.tasks('job-1')[0]?.status).toBe('Running');
    // With the lease cleared, the final report (carrying the old lease id) is not stale.
    cp.report(reportFor(a, 'w1', 'Completed'));
    expect(cp.getJob('job-1').status).toBe('Completed');
  });
});

describe('stale lease', () => {
  it('400 stale lease for task <id> when the task was re-leased elsewhere', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    cp.register({ worker_id: 'w2' });
    const old = only(cp.assignments('w1', 1));
    clock.advance(16_000);
    const fresh = only(cp.assignments('w2', 1));
    const outcomes: string[] = [];
    cp.onReport((_r, outcome) => outcomes.push(outcome));
    expect(() => cp.report(reportFor(old, 'w1', 'Completed'))).toThrow(
      expect.objectContaining({ status: 400, message: 'stale lease for task t1' }),
    );
    expect(cp.tasks('job-1')[0]).toMatchObject({ status: 'Assigned', worker_id: 'w2', reports: [] });
    cp.report(reportFor(fresh, 'w2', 'Completed'));
    expect(outcomes).toEqual(['stale', 'accepted']);
    expect(cp.getJob('job-1').status).toBe('Completed');
  });

  it('a report without a lease id is never stale', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    cp.register({ worker_id: 'w2' });
    const old = only(cp.assignments('w1', 1));
    clock.advance(16_000);
    only(cp.assignments('w2', 1));
    expect(cp.report(reportFor(old, 'w1', 'Completed', { lease_id: '' }))).toEqual({ accepted: true });
  });

  it('a late report for a task re-queued by expiry (not yet re-assigned) is applied, and the task is not handed out again', () => {
    const { cp, clock } = setup();
    cp.submitJob(oneTask());
    cp.register({ worker_id: 'w1' });
    const a = only(cp.assignments('w1', 1));
    clock.advance(16_000);
    expect(cp.tasks('job-1')[0]?.status).toBe('Queued');
    cp.report(reportFor(a, 'w1', 'Running'));
    expect(cp.assignments('w1', 5)).toEqual({ assignments: null });
    cp.report(reportFor(a, 'w1', 'Completed'));
    expect(cp.getJob('job-1').status).toBe('Completed');
    expect(cp.assignments('w1', 5)).toEqual({ assignments: null });
  });
});
