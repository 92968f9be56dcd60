/**
 * A worker's poll (poll.ts; the gateway's PollAssignments and tryAssign).
 */
import { describe, expect, it } from 'vitest';
import { formatLeaseId } from '../../control-plane/leases.js';
import { flat, ids, only, reportFor, setup } from './helpers.js';

describe('rule: {"assignments": null} when the claim found the queue empty, [] when it claimed but assigned nothing', () => {
  it('null on an empty queue', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'w1' });
    expect(cp.assignments('w1', 3)).toEqual({ assignments: null });
  });

  it('[] when the queue holds only references that cannot be assigned yet', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x' }, { task_id: 'b', type: 'x', depends_on: ['a'] }] });
    cp.register({ worker_id: 'w1' });
    only(cp.assignments('w1', 1));
    expect(cp.assignments('w1', 1)).toEqual({ assignments: null }); // 'b' is not queued until 'a' completes
    cp.submitJob({ job_id: 'k', tasks: [{ task_id: 'c', type: 'x', inputs: { _target_worker: 'w2' } }] });
    cp.register({ worker_id: 'w2' });
    expect(cp.assignments('w1', 1)).toEqual({ assignments: [] });
  });
});

describe('rule: 404 worker not registered for an unknown poller', () => {
  it('and nothing else happens: not even the expiry check', () => {
    const { cp, clock } = setup();
    cp.submitJob({ job_id: 'j', tasks: flat(1) });
    cp.register({ worker_id: 'w' });
    only(cp.assignments('w', 1));
    clock.advance(20_000);
    expect(() => cp.assignments('ghost', 1)).toThrow(expect.objectContaining({ status: 404, message: 'worker not registered' }));
    expect(cp.task('j', 't0').status).toBe('Assigned');
  });
});

describe('rule: max_tasks below 1 counts as 1', () => {
  it.each([0, -3, Number.NaN, 0.5])('%s', (max) => {
    const { cp } = setup();
    cp.submitJob({ tasks: flat(3) });
    cp.register({ worker_id: 'w1' });
    expect(cp.assignments('w1', max).assignments).toHaveLength(1);
  });
});

describe('rule: a poll claims 32 x max_tasks references from the front; what it cannot assign goes to the end', () => {
  it('32 references for another worker hide a 33rd for this one until the next poll', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'other' });
    cp.register({ worker_id: 'me' });
    cp.submitJob({ job_id: 'theirs', tasks: flat(32, 'x', { inputs: { _target_worker: 'other' } }) });
    cp.submitJob({ job_id: 'mine', tasks: [{ task_id: 'm', type: 'x' }] });
    expect(cp.assignments('me', 1)).toEqual({ assignments: [] });
    // The 32 claimed references went back behind 'm', which is now at the front.
    expect(cp.queueRefs()[0]).toEqual({ job_id: 'mine', task_id: 'm' });
    expect(ids(cp.assignments('me', 1))).toEqual(['m']);
  });

  it('with max_tasks 2 the window is 64', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'other' });
    cp.register({ worker_id: 'me' });
    cp.submitJob({ job_id: 'theirs', tasks: flat(63, 'x', { inputs: { _target_worker: 'other' } }) });
    cp.submitJob({ job_id: 'mine', tasks: [{ task_id: 'm', type: 'x' }] });
    expect(ids(cp.assignments('me', 2))).toEqual(['m']);
  });

  it('claims beyond max_tasks are not tried: they go back in claim order', () => {
    const claimOrder = () => {
      const { cp } = setup();
      cp.submitJob({ job_id: 'j', tasks: flat(5) });
      cp.register({ worker_id: 'w' });
      return cp;
    };
    const all = ids(claimOrder().assignments('w', 5))!;
    const cp = claimOrder();
    const got = ids(cp.assignments('w', 2))!;
    expect(got).toEqual(all.slice(0, 2));
    expect(cp.queueRefs().map((r) => r.task_id)).toEqual(all.slice(2));
  });
});

describe('rule: claims are ordered by priority, then by job age, then by the FNV hash of <job>/<task>|<poller>', () => {
  it('within one job the order is the hash order (as measured on the gateway binary)', () => {
    // On a fresh gateway, one worker "solo" polling job-1 with tasks a..h got exactly this order.
    const { cp } = setup();
    cp.register({ worker_id: 'solo', cpu: 64 });
    cp.submitJob({ tasks: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id) => ({ task_id: id, type: 'aggregation' })) });
    expect(ids(cp.assignments('solo', 8))).toEqual(['b', 'c', 'e', 'h', 'a', 'd', 'g', 'f']);
  });

  it('the hash includes the poller: another worker sees another order', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'other', cpu: 64 });
    cp.submitJob({ tasks: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id) => ({ task_id: id, type: 'aggregation' })) });
    expect(ids(cp.assignments('other', 8))).not.toEqual(['b', 'c', 'e', 'h', 'a', 'd', 'g', 'f']);
  });

  it('an older job goes first, a higher priority before both', () => {
    const { cp, clock } = setup();
    cp.register({ worker_id: 'w', cpu: 64 });
    cp.submitJob({ job_id: 'old-batch', priority: 'batch', tasks: flat(1) });
    clock.advance(1);
    cp.submitJob({ job_id: 'old', priority: 'standard', tasks: flat(1) });
    clock.advance(1);
    cp.submitJob({ job_id: 'new', priority: 'medium', tasks: flat(1) });
    clock.advance(1);
    cp.submitJob({ job_id: 'urgent', tasks: flat(1) }); // interactive by default
    expect(cp.assignments('w', 4).assignments?.map((a) => a.job_id)).toEqual(['urgent', 'old', 'new', 'old-batch']);
  });
});

describe('rule: what a poll may assign: job Running, task Queued, retry backoff over, every dependency Completed', () => {
  it('dependencies: the task waits and then gets dep:<D>:output_uri for each', () => {
    const { cp } = setup();
    cp.submitJob({
      job_id: 'j',
      tasks: [
        { task_id: 'left', type: 'embedding' },
        { task_id: 'right', type: 'embedding' },
        { task_id: 'join', type: 'aggregation', depends_on: ['left', 'right'], inputs: { op: 'concat' } },
      ],
    });
    cp.register({ worker_id: 'w1' });
    const [x, y] = cp.assignments('w1', 5).assignments!;
    cp.report(reportFor(x!, 'w1', 'Completed', { output_artifact_uri: `artifact://j/${x!.task_id}/output.json` }));
    expect(cp.assignments('w1', 5)).toEqual({ assignments: null }); // 'join' is not even queued yet
    cp.report(reportFor(y!, 'w1', 'Completed', { output_artifact_uri: `artifact://s3/b/j/${y!.task_id}/output.json` }));
    const join = cp.assignments('w1', 5).assignments!.find((a) => a.task_id === 'join')!;
    expect(join.inputs).toMatchObject({
      op: 'concat',
      'dep:left:output_uri': expect.stringMatching(/left\/output.json$/),
      'dep:right:output_uri': expect.stringMatching(/right\/output.json$/),
    });
  });

  it('a failed job hands out nothing more, though its tasks stay Queued', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: flat(2) });
    cp.register({ worker_id: 'w' });
    cp.report(reportFor(only(cp.assignments('w', 1)), 'w', 'Failed'));
    expect(cp.getJob('j').status).toBe('Failed');
    expect(cp.assignments('w', 5)).toEqual({ assignments: [] });
    expect(cp.tasks('j').map((t) => t.status).sort()).toEqual(['Failed', 'Queued']);
  });

  it('a task in retry backoff waits until its backoff is over (then exactly)', () => {
    const { cp, clock } = setup({ defaultMaxRetries: 1 });
    cp.submitJob({ job_id: 'j', tasks: flat(1) });
    cp.register({ worker_id: 'w' });
    cp.report(reportFor(only(cp.assignments('w', 1)), 'w', 'Failed'));
    clock.advance(999);
    expect(cp.assignments('w', 1)).toEqual({ assignments: [] });
    clock.advance(1);
    expect(only(cp.assignments('w', 1)).attempt).toBe(2);
  });
});

describe('rule: assigning sets Assigned, attempt + 1, the worker and a lease; inputs are written in Go map order', () => {
  it('attempt, lease id, job stays Running', () => {
    const { cp, clock } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 't1', type: 'x', inputs: { zeta: '1', alpha: '2' } }] });
    cp.register({ worker_id: 'w1' });
    const a = only(cp.assignments('w1', 1));
    expect(a).toMatchObject({ job_id: 'j', task_id: 't1', type: 'x', attempt: 1, lease_id: formatLeaseId('w1', 't1', 1, clock.now()) });
    expect(cp.task('j', 't1')).toMatchObject({ status: 'Assigned', worker_id: 'w1', attempt: 1, lease_id: a.lease_id });
    expect(cp.getJob('j').status).toBe('Running');
    expect(Object.keys(a.inputs)).toEqual(['_priority', 'alpha', 'model', 'zeta']);
  });
});
