import { describe, expect, it } from 'vitest';
import { only, reportFor, setup } from './helpers.js';

describe('polling', () => {
  it('answers {"assignments": null} when there is nothing (a Go nil slice)', () => {
    const { cp } = setup();
    cp.register({ worker_id: 'w1' });
    expect(cp.assignments('w1', 3)).toEqual({ assignments: null });
  });

  it('404 worker not registered for unknown workers', () => {
    const { cp } = setup();
    expect(() => cp.assignments('ghost', 1)).toThrow(expect.objectContaining({ status: 404, message: 'worker not registered' }));
  });

  it.each([0, -3, Number.NaN])('max_tasks %s counts as 1', (max) => {
    const { cp } = setup();
    cp.submitJob({ tasks: [{ task_id: 'a', type: 'x' }, { task_id: 'b', type: 'x' }] });
    cp.register({ worker_id: 'w1' });
    expect(cp.assignments('w1', max).assignments).toHaveLength(1);
  });

  it('hands out at most max_tasks, first submitted first, and sets Assigned / job Running', () => {
    const { cp } = setup();
    const { job_id } = cp.submitJob({ tasks: ['a', 'b', 'c'].map((id) => ({ task_id: id, type: 'x', inputs: { text: id } })) });
    cp.register({ worker_id: 'w1' });
    const got = cp.assignments('w1', 2).assignments!;
    expect(got.map((a) => [a.task_id, a.type, a.inputs, a.attempt])).toEqual([
      ['a', 'x', { text: 'a' }, 1],
      ['b', 'x', { text: 'b' }, 1],
    ]);
    expect(cp.getJob(job_id)).toMatchObject({ status: 'Running', tasks: { assigned: 2, queued: 1 } });
    expect(only(cp.assignments('w1', 5)).task_id).toBe('c');
  });
});

describe('dependencies', () => {
  it('a task waits for its dependencies and gets dep:<D>:output_uri for each', () => {
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
    const [left, right] = cp.assignments('w1', 5).assignments!;
    expect(cp.assignments('w1', 5)).toEqual({ assignments: null });
    cp.report(reportFor(left!, 'w1', 'Completed', { output_artifact_uri: 'artifact://j/left/output.json' }));
    expect(cp.assignments('w1', 5)).toEqual({ assignments: null });
    cp.report(reportFor(right!, 'w1', 'Completed', { output_artifact_uri: 'artifact://s3/b/j/right/output.json' }));
    const join = only(cp.assignments('w1', 5));
    expect(join.inputs).toEqual({
      op: 'concat',
      'dep:left:output_uri': 'artifact://j/left/output.json',
      'dep:right:output_uri': 'artifact://s3/b/j/right/output.json',
    });
  });

  it('a dependency completed after retries passes the URI it finally reported', () => {
    const { cp, clock } = setup();
    cp.submitJob({ job_id: 'j', tasks: [{ task_id: 'a', type: 'x' }, { task_id: 'b', type: 'x', depends_on: ['a'] }] });
    cp.register({ worker_id: 'w1' });
    cp.report(reportFor(only(cp.assignments('w1', 1)), 'w1', 'Failed'));
    clock.advance(1000);
    const retry = only(cp.assignments('w1', 1));
    cp.report(reportFor(retry, 'w1', 'Completed', { output_artifact_uri: 'artifact://j/a/second.json' }));
    expect(only(cp.assignments('w1', 1)).inputs['dep:a:output_uri']).toBe('artifact://j/a/second.json');
  });
});

describe('backends and models', () => {
  const llm = (id: string, backend?: string, model?: string) => ({
    task_id: id,
    type: 'llm_inference',
    inputs: { prompt: 'hi', ...(backend ? { backend } : {}), ...(model ? { model } : {}) },
  });

  it('an llm_inference task for backend B only goes to a worker that listed B', () => {
    const { cp } = setup();
    cp.submitJob({ tasks: [llm('v', 'vllm'), llm('o'), llm('r', 'Remote-API')] });
    cp.register({ worker_id: 'vllm-only', backends: ['vllm'] });
    cp.register({ worker_id: 'remote', backends: ['remote_api'] });
    expect(cp.assignments('vllm-only', 5).assignments?.map((a) => a.task_id)).toEqual(['v']);
    expect(cp.assignments('remote', 5).assignments?.map((a) => a.task_id)).toEqual(['r']);
    cp.register({ worker_id: 'any' }); // listed no backends: takes anything
    expect(cp.assignments('any', 5).assignments?.map((a) => a.task_id)).toEqual(['o']);
  });

  it('backends do not restrict other task types', () => {
    const { cp } = setup();
    cp.submitJob({ tasks: [{ task_id: 'e', type: 'embedding', inputs: { backend: 'vllm' } }] });
    cp.register({ worker_id: 'w', backends: ['ollama'] });
    expect(only(cp.assignments('w', 1)).task_id).toBe('e');
  });

  it('prefers tasks whose model the worker already holds', () => {
    const { cp } = setup();
    cp.submitJob({ tasks: [llm('cold', 'ollama', 'big'), llm('warm', 'ollama', 'small')] });
    cp.register({ worker_id: 'w', models: ['small'] });
    expect(only(cp.assignments('w', 1)).task_id).toBe('warm');
  });

  it('adds the model of a completed model_download to the worker inventory', () => {
    const { cp } = setup();
    cp.submitJob({ tasks: [{ task_id: 'dl', type: 'model_download', inputs: { model: 'org/tiny' } }] });
    cp.register({ worker_id: 'w', models: ['other'] });
    const a = only(cp.assignments('w', 1));
    cp.report(reportFor(a, 'w', 'Running'));
    expect(cp.worker('w')?.models).toEqual(['other']);
    cp.report(reportFor(a, 'w', 'Completed'));
    expect(cp.worker('w')?.models).toEqual(['other', 'org/tiny']);
  });
});
