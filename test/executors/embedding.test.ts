import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { execute } from '../../executors/embedding.js';
import { localHashEmbedding } from '../../executors/localHash.js';
import { embedRemote } from '../../executors/remoteEmbedding.js';
import { contextFor } from './contextFor.js';
import { runInPool } from './runInPool.js';

// The remote backends are another module's job (and have their own tests); here
// only what this executor does with their answer matters.
vi.mock('../../executors/remoteEmbedding.js', () => ({ embedRemote: vi.fn() }));
const remote = vi.mocked(embedRemote);
beforeEach(() => remote.mockReset());

const run = (inputs: Record<string, string>, config = {}) => execute(contextFor(inputs, { config }));

describe('embedding (local backend)', () => {
  it('writes exactly the reference fields, with `vector` for a single text', async () => {
    const output = await run({ text: 'a A b', embedding_dimension: '8' });
    expect(Object.keys(output).sort()).toEqual(['backend', 'dimension', 'model', 'model_version', 'text_count', 'vector', 'vectors']);
    expect(output).toMatchObject({ backend: 'local', model: 'nomic-embed-text', model_version: 'local-hash-v1', dimension: 8, text_count: 1 });
    // Worked example (see localHash.test.ts): slots 4 and 5 with 2/sqrt(5) and 1/sqrt(5).
    const vector = output['vector'] as number[];
    expect(vector[4]).toBeCloseTo(2 / Math.sqrt(5), 15);
    expect(vector[5]).toBeCloseTo(1 / Math.sqrt(5), 15);
    expect(output['vectors']).toEqual([vector]);
  });

  it('takes texts_json, trims, drops blanks and nulls, and omits `vector` for several texts', async () => {
    const output = await run({ texts_json: JSON.stringify([' alpha ', '', '   ', null, 'beta']), text: 'ignored', dimension: '16' });
    expect(output['text_count']).toBe(2);
    expect(output).not.toHaveProperty('vector');
    expect(output['vectors']).toEqual([localHashEmbedding('alpha', 16), localHashEmbedding('beta', 16)]);
  });

  it('falls back to text, then prompt, then op', async () => {
    const a = await run({ prompt: 'from prompt', op: 'from op', dimension: '32' });
    expect(a['vector']).toEqual(localHashEmbedding('from prompt', 32));
    const b = await run({ op: 'from op', dimension: '32' });
    expect(b['vector']).toEqual(localHashEmbedding('from op', 32));
  });

  it('uses 384 dimensions by default, and the configured defaults', async () => {
    expect((await run({ text: 'x' }))['dimension']).toBe(384);
    const output = await run({ text: 'x' }, { embeddingBackend: 'LOCAL', embeddingModel: 'my-model', embeddingDimension: 12 });
    expect(output).toMatchObject({ backend: 'local', model: 'my-model', dimension: 12 });
    const inputsWin = await run({ text: 'x', embedding_model: 'input-model', model: 'other', embedding_dimension: '5', dimension: '7' }, { embeddingModel: 'my-model' });
    expect(inputsWin).toMatchObject({ model: 'input-model', dimension: 5 });
  });

  it('reads zero or negative dimensions as "use the default", like the reference', async () => {
    expect((await run({ text: 'x', dimension: '0' }))['dimension']).toBe(384);
    expect((await run({ text: 'x', dimension: '-3' }, { embeddingDimension: 10 }))['dimension']).toBe(10);
  });

  it('fails with a message naming what was wrong', async () => {
    await expect(run({})).rejects.toThrow('embedding requires non-empty text/prompt');
    await expect(run({ texts_json: '["", " "]', text: 'not a fallback' })).rejects.toThrow('embedding requires non-empty text/prompt');
    await expect(run({ texts_json: '["a",' })).rejects.toThrow(/^input texts_json is not valid JSON/);
    await expect(run({ texts_json: '{"a":1}' })).rejects.toThrow('input texts_json must be a JSON array of strings, got object');
    await expect(run({ texts_json: '["a", 2]' })).rejects.toThrow('input texts_json: item 2 must be a string, got number');
    await expect(run({ text: 'x', embedding_dimension: 'big' })).rejects.toThrow('input embedding_dimension must be an integer, got "big"');
    await expect(run({ text: 'x', dimension: '1000000' })).rejects.toThrow('input dimension must be at most 65536, got 1000000');
    await expect(run({ text: 'x', backend: 'Magic' })).rejects.toThrow('unsupported embedding backend "magic"');
    await expect(run({ text: 'x', backend: 'magic' })).rejects.toMatchObject({ name: 'TaskError' });
  });
});

describe('embedding (remote backends, through the embedRemote seam)', () => {
  it('maps the aliases to remote_api, keeps the given name in the output, and reports the vectors\' own dimension', async () => {
    remote.mockResolvedValue([[0.5, 0.25, 0.125]]);
    const output = await run({ text: '  hello ', backend: 'Remote-API', model: 'text-embedding-3-small', dimension: '8' });
    expect(remote).toHaveBeenCalledWith(expect.anything(), { backend: 'remote_api', model: 'text-embedding-3-small', texts: ['hello'] });
    expect(output).toEqual({
      backend: 'remote-api',
      model: 'text-embedding-3-small',
      model_version: 'text-embedding-3-small',
      dimension: 3,
      text_count: 1,
      vectors: [[0.5, 0.25, 0.125]],
      vector: [0.5, 0.25, 0.125],
    });
    remote.mockResolvedValue([[1], [2]]);
    await run({ texts_json: '["a","b"]', backend: 'remote' });
    expect(remote).toHaveBeenLastCalledWith(expect.anything(), { backend: 'remote_api', model: 'nomic-embed-text', texts: ['a', 'b'] });
    remote.mockResolvedValue([[1]]);
    for (const backend of ['ollama', 'vllm', 'remote_api']) {
      await run({ text: 'a', embedding_backend: backend });
      expect(remote.mock.lastCall?.[1].backend).toBe(backend);
    }
  });

  it.each([
    ['a count mismatch', [[1], [2]], 'embeddings count mismatch: got 2 want 1'],
    ['an empty vector', [[]], 'embedding backend returned empty vector at index 0'],
    ['NaN', [[0.1, Number.NaN]], 'invalid vector at index 0: vector contains invalid float at index 1'],
    ['Infinity', [[Number.POSITIVE_INFINITY]], 'invalid vector at index 0: vector contains invalid float at index 0'],
  ])('fails on %s', async (_name, vectors, message) => {
    remote.mockResolvedValue(vectors);
    await expect(run({ text: 'a', backend: 'ollama' })).rejects.toThrow(message);
  });

  it('fails when vectors of one answer differ in length', async () => {
    remote.mockResolvedValue([[1, 2], [1, 2], [1]]);
    await expect(run({ texts_json: '["a","b","c"]', backend: 'vllm' })).rejects.toThrow(
      'embedding backend returned vectors of different lengths: 2 at index 0, 1 at index 2',
    );
  });
});

describe('embedding through the real thread path', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'splai-embedding-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes output.json with the envelope and the embedding fields', async () => {
    const { result, document } = await runInPool(root, 'embedding', { texts_json: '["red apple","green pear"]', dimension: '64' });
    expect(result).toMatchObject({ ok: true, uri: 'artifact://job-pool/task-pool/output.json' });
    expect(document).toMatchObject({ job_id: 'job-pool', task_id: 'task-pool', type: 'embedding', backend: 'local', model_version: 'local-hash-v1', dimension: 64, text_count: 2 });
    expect(document?.['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(document?.['vectors']).toEqual([localHashEmbedding('red apple', 64), localHashEmbedding('green pear', 64)]);
  });

  it('reports a failure as a one-line error and writes nothing', async () => {
    const { result, document } = await runInPool(root, 'embedding', {}, { job: 'job-pool', task: 'task-failed' });
    expect(result).toMatchObject({ ok: false, error: 'embedding requires non-empty text/prompt' });
    expect(document).toBeUndefined();
  });
});
