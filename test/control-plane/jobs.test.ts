import { describe, expect, it } from 'vitest';
import { only, reportFor, setup } from './helpers.js';

describe('job submission', () => {
  it('generates ids, and is idempotent for a known job_id', () => {
    const { cp } = setup();
    expect(cp.submitJob({ tasks: [{ task_id: 't', type: 'x' }] })).toEqual({ job_id: 'job-1', status: 'Queued', created: true });
    expect(cp.submitJob({ job_id: 'mine', tasks: [{ task_id: 't', type: 'x' }] })).toMatchObject({ job_id: 'mine', created: true });
    expect(cp.submitJob({ job_id: 'mine', tasks: [{ task_id: 'other', type: 'x' }] })).toMatchObject({ job_id: 'mine', created: false });
    expect(cp.tasks('mine').map((t) => t.task_id)).toEqual(['t']);
    // a generated id never collides with a chosen one
    cp.submitJob({ job_id: 'job-2', tasks: [{ task_id: 't', type: 'x' }] });
    expect(cp.submitJob({ tasks: [{ task_id: 't', type: 'x' }] }).job_id).toBe('job-3');
  });

  it.each([
    [{ tasks: [] }, 'invalid job: tasks: a job needs at least one task'],
    [{ tasks: [{ task_id: 'a' }] }, 'invalid job: tasks.0.type'],
    [{ tasks: [{ task_id: 'a', type: 'x', inputs: { n: 1 } }] }, 'invalid job: tasks.0.inputs.n'],
    [{ tasks: [{ task_id: 'a', type: 'x' }, { task_id: 'a', type: 'y' }] }, 'duplicate task id a'],
    [{ tasks: [{ task_id: 'a', type: 'x', depends_on: ['nope'] }] }, 'task a depends on unknown task nope'],
    [{ tasks: [{ task_id: 'a', type: 'x', depends_on: ['a'] }] }, 'dependency cycle: a -> a'],
    [
      { tasks: [{ task_id: 'a', type: 'x', depends_on: ['c'] }, { task_id: 'b', type: 'x', depends_on: ['a'] }, { task_id: 'c', type: 'x', depends_on: ['b'] }] },
      'dependency cycle: a -> c -> b -> a',
    ],
  ])('refuses %j with 400', (submission, message) => {
    const { cp } = setup();
    expect(() => cp.submitJob(submission as never)).toThrow(expect.objectContaining({ status: 400, message: expect.stringContaining(message) }));
    expect(cp.jobs()).toEqual([]);
  });
});

describe('job status', () => {
  it('getJob counts tasks by state; tasks() shows attempt, worker, output, error', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x' }, { task_id: 'b', type: 'x' }, { task_id: 'c', type: 'x', depends_on: ['a'] }] });
    cp.register({ worker_id: 'w' });
    const [a, b] = cp.assignments('w', 2).assignments!;
    cp.report(reportFor(a!, 'w', 'Completed'));
    cp.report(reportFor(b!, 'w', 'Running'));
    expect(cp.getJob('j')).toMatchObject({
      job_id: 'j',
      status: 'Running',
      result_artifact_uri: '',
      tasks: { total: 3, queued: 1, assigned: 0, running: 1, completed: 1, failed: 0, canceled: 0 },
    });
    expect(cp.tasks('j').map((t) => [t.task_id, t.status, t.attempt, t.worker_id, t.output_artifact_uri])).toEqual([
      ['a', 'Completed', 1, 'w', 'artifact://j/a/output.json'],
      ['b', 'Running', 1, 'w', ''],
      ['c', 'Queued', 0, '', ''],
    ]);
    expect(() => cp.getJob('nope')).toThrow('job not found');
    expect(() => cp.tasks('nope')).toThrow('job not found');
  });

  it('cancel stops handing out the job and leaves ended jobs alone', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x' }, { task_id: 'b', type: 'x' }] });
    cp.register({ worker_id: 'w' });
    only(cp.assignments('w', 1));
    expect(cp.cancelJob('j')).toMatchObject({ status: 'Canceled', tasks: { canceled: 2 } });
    expect(cp.assignments('w', 5)).toEqual({ assignments: null });
    cp.submitJob({ job_id: 'done', tasks: [{ task_id: 'a', type: 'x' }] });
    cp.report(reportFor(only(cp.assignments('w', 1)), 'w', 'Completed'));
    expect(cp.cancelJob('done').status).toBe('Completed');
  });
});

describe('waitForJob', () => {
  it('resolves when the job ends, immediately if it already has', async () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x' }] });
    cp.register({ worker_id: 'w' });
    const waiting = cp.waitForJob('j', { timeoutMs: 5000 });
    cp.report(reportFor(only(cp.assignments('w', 1)), 'w', 'Completed'));
    await expect(waiting).resolves.toMatchObject({ status: 'Completed', result_artifact_uri: 'artifact://j/a/output.json' });
    await expect(cp.waitForJob('j')).resolves.toMatchObject({ status: 'Completed' });
  });

  it('rejects on timeout and for unknown jobs', async () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x' }] });
    await expect(cp.waitForJob('j', { timeoutMs: 20 })).rejects.toThrow('job j did not end within 20 ms (status Queued)');
    await expect(cp.waitForJob('nope')).rejects.toThrow('job not found');
  });
});
