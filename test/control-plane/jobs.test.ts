/**
 * Jobs: submission of explicit DAGs, the gateway's additions to their inputs
 * (injection.ts; handleJobs, injectModelBackend, injectModelInstallTasks, AddJob),
 * cancel and archive (CancelJob, ArchiveJob).
 */
import { describe, expect, it } from 'vitest';
import { only, reportFor, setup } from './helpers.js';

describe('job submission', () => {
  it('generates ids, and is idempotent for a known job_id', () => {
    const { cp } = setup();
    expect(cp.submitJob({ tasks: [{ task_id: 't', type: 'x' }] })).toEqual({ job_id: 'job-1', status: 'Running', created: true });
    expect(cp.submitJob({ job_id: 'mine', tasks: [{ task_id: 't', type: 'x' }] })).toMatchObject({ job_id: 'mine', created: true });
    expect(cp.submitJob({ job_id: 'mine', tasks: [{ task_id: 'other', type: 'x' }] })).toMatchObject({ job_id: 'mine', created: false });
    expect(cp.tasks('mine').map((t) => t.task_id)).toEqual(['t']);
    cp.submitJob({ job_id: 'job-2', tasks: [{ task_id: 't', type: 'x' }] });
    expect(cp.submitJob({ tasks: [{ task_id: 't', type: 'x' }] }).job_id).toBe('job-3');
  });

  it.each([
    [{ tasks: [] }, 'invalid job: tasks: a job needs at least one task'],
    [{ tasks: [{ task_id: 'a' }] }, 'invalid job: tasks.0.type'],
    [{ tasks: [{ task_id: 'a', type: 'x', inputs: { n: 1 } }] }, 'invalid job: tasks.0.inputs.n'],
    [{ tasks: [{ task_id: 'a', type: 'x', timeout_sec: 1.5 }] }, 'invalid job: tasks.0.timeout_sec'],
    [{ tasks: [{ task_id: 'a', type: 'x' }, { task_id: 'a', type: 'y' }] }, 'duplicate task id a'],
    [{ tasks: [{ task_id: 'a', type: 'x', depends_on: ['nope'] }] }, 'task a depends on unknown task nope'],
    [{ tasks: [{ task_id: 'a', type: 'x', dependencies: ['a'] }] }, 'dependency cycle: a -> a'],
    [
      { tasks: [{ task_id: 'a', type: 'x', depends_on: ['c'] }, { task_id: 'b', type: 'x', depends_on: ['a'] }, { task_id: 'c', type: 'x', depends_on: ['b'] }] },
      'dependency cycle: a -> c -> b -> a',
    ],
  ])('refuses %j with 400', (submission, message) => {
    const { cp } = setup();
    expect(() => cp.submitJob(submission as never)).toThrow(expect.objectContaining({ status: 400, message: expect.stringContaining(message) }));
    expect(cp.jobs()).toEqual([]);
  });

  it('takes the planner\'s field name "dependencies" as well as "depends_on"', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x' }, { task_id: 'b', type: 'x', dependencies: ['a'] }] });
    expect(cp.task('j', 'b').depends_on).toEqual(['a']);
  });
});

describe('rule: a submitted job with tasks is Running at once; every task is Queued', () => {
  it('before any worker polls', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x' }] });
    expect(cp.getJob('j')).toMatchObject({ status: 'Running', message: '', tenant: 'default', priority: 'interactive', tasks: { total: 1, queued: 1 } });
  });
});

describe('rule: the job priority (default interactive) becomes every task\'s _priority', () => {
  it('as given, unnormalised', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'd', tasks: [{ task_id: 'a', type: 'x', inputs: { _priority: 'low' } }] });
    cp.submitJob({ job_id: 'b', priority: 'Batch', tasks: [{ task_id: 'a', type: 'x' }] });
    expect(cp.task('d', 'a').inputs['_priority']).toBe('interactive');
    expect(cp.task('b', 'a').inputs['_priority']).toBe('Batch');
  });
});

describe('rule: the router model (the job\'s model, else llama3-8b-q4) overwrites every task\'s model', () => {
  it('every type, whatever the task said', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'd', tasks: [{ task_id: 'a', type: 'llm_inference', inputs: { model: 'mine' } }, { task_id: 'b', type: 'aggregation' }] });
    cp.submitJob({ job_id: 'm', model: 'org/name', tasks: [{ task_id: 'a', type: 'embedding', inputs: { model: 'mine' } }] });
    expect(cp.tasks('d').map((t) => t.inputs['model'])).toEqual(['llama3-8b-q4', 'llama3-8b-q4']);
    expect(cp.task('m', 'a').inputs['model']).toBe('org/name');
  });

  it('defaultModel is an option; overwriteTaskModel: false (not the gateway) keeps a task\'s own model', () => {
    const { cp } = setup({ defaultModel: 'tiny', overwriteTaskModel: false });
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'llm_inference', inputs: { model: 'mine' } }, { task_id: 'b', type: 'llm_inference' }] });
    expect(cp.tasks('j').map((t) => t.inputs['model'])).toEqual(['mine', 'tiny']);
  });
});

describe('rule: llm_inference tasks without a backend get the router\'s (default ollama)', () => {
  it('only llm_inference (in any case), only when empty', () => {
    const { cp } = setup();
    cp.submitJob({
      job_id: 'j',
      tasks: [
        { task_id: 'a', type: 'llm_inference' },
        { task_id: 'b', type: ' LLM_Inference ', inputs: { backend: '  ' } },
        { task_id: 'c', type: 'llm_inference', inputs: { backend: 'vllm' } },
        { task_id: 'd', type: 'embedding' },
      ],
    });
    expect(cp.tasks('j').map((t) => t.inputs['backend'])).toEqual(['ollama', 'ollama', 'vllm', undefined]);
    const other = setup({ defaultBackend: 'vllm' }).cp;
    other.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'llm_inference' }] });
    expect(other.task('j', 'a').inputs['backend']).toBe('vllm');
  });
});

describe('rule: install_model_if_missing puts a model_download t0-model-install in front of the llm_inference tasks', () => {
  it('inputs, timeout, retries, dependencies and the llm tasks\' extra inputs', () => {
    const { cp } = setup();
    cp.submitJob({
      job_id: 'j',
      model: 'org/m',
      install_model_if_missing: true,
      tasks: [{ task_id: 'prep', type: 'aggregation' }, { task_id: 'ask', type: 'llm_inference', depends_on: ['prep'] }],
    });
    const [install, prep, ask] = cp.tasks('j');
    expect(install).toMatchObject({
      task_id: 't0-model-install',
      type: 'model_download',
      timeout_sec: 1800,
      max_retries: 1,
      depends_on: [],
      inputs: { model: 'org/m', source: 'huggingface', only_if_missing: 'true', _priority: 'interactive' },
    });
    expect(prep?.depends_on).toEqual([]);
    expect(prep?.inputs['_install_model_if_missing']).toBeUndefined();
    expect(ask).toMatchObject({ depends_on: ['prep', 't0-model-install'], inputs: expect.objectContaining({ _install_model_if_missing: 'true', model_source: 'huggingface' }) });
    expect(cp.queueRefs().map((r) => r.task_id)).toEqual(['t0-model-install', 'prep']);
  });

  it('not without an llm_inference task; t0-model-install-1 when the name is taken', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'none', install_model_if_missing: true, tasks: [{ task_id: 'a', type: 'embedding' }] });
    expect(cp.tasks('none')).toHaveLength(1);
    cp.submitJob({ job_id: 'taken', install_model_if_missing: true, tasks: [{ task_id: 't0-model-install', type: 'llm_inference' }] });
    expect(cp.tasks('taken').map((t) => t.task_id)).toEqual(['t0-model-install-1', 't0-model-install']);
  });
});

describe('rule: data_classification, network_isolation, resources and constraints become _ inputs', () => {
  it('as AddJob writes them', () => {
    const { cp } = setup();
    cp.submitJob({
      job_id: 'j',
      data_classification: 'secret',
      network_isolation: 'strict',
      tasks: [
        { task_id: 'a', type: 'x', resources: { cpu: 2, memory: ' 1Gi ', gpu: true }, constraints: { data_locality: ' eu ' } },
        { task_id: 'b', type: 'x', resources: { cpu: 0, memory: ' ', gpu: false } },
      ],
    });
    expect(cp.task('j', 'a').inputs).toEqual({
      _data_classification: 'secret',
      _data_locality: 'eu',
      _network_isolation: 'strict',
      _priority: 'interactive',
      _requires_gpu: 'true',
      _resource_cpu: '2',
      _resource_memory: '1Gi',
      model: 'llama3-8b-q4',
    });
    expect(Object.keys(cp.task('j', 'b').inputs)).toEqual(['_data_classification', '_network_isolation', '_priority', 'model']);
  });
});

describe('rule: cancel changes the job and its Queued and Running tasks to Canceled; Assigned tasks stay Assigned', () => {
  it('later polls hand out nothing of it; its reports are 200 and change nothing', () => {
    const { cp, clock } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x' }, { task_id: 'b', type: 'x' }, { task_id: 'c', type: 'x', depends_on: ['a'] }] });
    cp.register({ worker_id: 'w' });
    const [x, y] = cp.assignments('w', 2).assignments!;
    cp.report(reportFor(y!, 'w', 'Running'));
    expect(cp.cancelJob('j')).toMatchObject({ status: 'Canceled', message: 'canceled by user' });
    expect(cp.task('j', x!.task_id)).toMatchObject({ status: 'Assigned', lease_id: x!.lease_id });
    expect(cp.task('j', y!.task_id)).toMatchObject({ status: 'Canceled', worker_id: '' });
    expect(cp.task('j', 'c').status).toBe('Canceled');
    cp.report(reportFor(x!, 'w', 'Completed'));
    expect(cp.task('j', x!.task_id).status).toBe('Assigned');
    // Its lease still runs out at a poll: Queued again, in a canceled job, never handed out.
    clock.advance(15_001);
    expect(cp.assignments('w', 5)).toEqual({ assignments: [] });
    expect(cp.task('j', x!.task_id).status).toBe('Queued');
    expect(cp.getJob('j').status).toBe('Canceled');
  });

  it('leaves a job that ended alone', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'done', tasks: [{ task_id: 'a', type: 'x' }] });
    cp.register({ worker_id: 'w' });
    cp.report(reportFor(only(cp.assignments('w', 1)), 'w', 'Completed'));
    expect(cp.cancelJob('done')).toMatchObject({ status: 'Completed', message: 'all tasks completed' });
  });
});

describe('rule: archive needs a job that ended (500 otherwise); reports for it then change nothing', () => {
  it('500 job <id> is not in terminal state', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x' }] });
    expect(() => cp.archiveJob('j')).toThrow(expect.objectContaining({ status: 500, message: 'job j is not in terminal state' }));
    cp.cancelJob('j');
    expect(cp.archiveJob('j').status).toBe('Archived');
  });
});

describe('job status views', () => {
  it('getJob counts tasks by state; tasks() shows attempt, worker, output, error', () => {
    const { cp } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x' }, { task_id: 'b', type: 'x' }, { task_id: 'c', type: 'x', depends_on: ['a'] }] });
    cp.register({ worker_id: 'w' });
    const byId = Object.fromEntries(cp.assignments('w', 2).assignments!.map((a) => [a.task_id, a]));
    cp.report(reportFor(byId['a']!, 'w', 'Completed'));
    cp.report(reportFor(byId['b']!, 'w', 'Running'));
    expect(cp.getJob('j')).toMatchObject({ status: 'Running', tasks: { total: 3, queued: 1, assigned: 0, running: 1, completed: 1, failed: 0, canceled: 0 } });
    expect(cp.tasks('j').map((t) => [t.task_id, t.status, t.attempt, t.worker_id, t.output_artifact_uri])).toEqual([
      ['a', 'Completed', 1, 'w', 'artifact://j/a/output.json'],
      ['b', 'Running', 1, 'w', ''],
      ['c', 'Queued', 0, '', ''],
    ]);
    expect(() => cp.getJob('nope')).toThrow('job not found');
    expect(() => cp.task('j', 'nope')).toThrow('task nope not found');
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
    await expect(cp.waitForJob('j', { timeoutMs: 20 })).rejects.toThrow('job j did not end within 20 ms (status Running)');
    await expect(cp.waitForJob('nope')).rejects.toThrow('job not found');
  });
});
