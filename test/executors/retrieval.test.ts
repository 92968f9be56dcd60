import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { matchesFilters } from '../../executors/localRetrieval.js';
import { execute } from '../../executors/retrieval.js';
import { retrieveRemote } from '../../executors/remoteRetrieval.js';
import { contextFor } from './contextFor.js';
import { runInPool } from './runInPool.js';

// The retrieval service client is another module's job; here only the hand-off matters.
vi.mock('../../executors/remoteRetrieval.js', () => ({ retrieveRemote: vi.fn() }));
const remote = vi.mocked(retrieveRemote);
beforeEach(() => remote.mockReset());

const run = (inputs: Record<string, string>, config = {}) => execute(contextFor(inputs, { config }));
const docs = (...items: unknown[]) => JSON.stringify(items);
const ids = (output: Record<string, unknown>) => (output['documents'] as { id: string }[]).map((hit) => hit.id);

describe('retrieval (local backend)', () => {
  it('scores 0.7 x cosine + 0.3 x Jaccard and sorts best first (worked example)', async () => {
    // "red", "apple", "pie", "green", "blue", "car" land in distinct slots of 128
    // (fnv1a32 mod 128 = 92, 63, 53, 60, 77, 97), so cosines follow from term weights:
    // q = {red: 1/2, apple: 1/2}; d1 = {red, apple, pie: 1/3 each} -> (1/3)/sqrt(1/2 * 1/3) = sqrt(6)/3;
    // d2 = {green, apple: 1/2 each} -> (1/4)/(1/2) = 1/2; d3 shares nothing -> 0.
    // Jaccard: {red, apple} vs d1 = 2/3, vs d2 = 1/3, vs d3 = 0.
    const output = await run({
      query: 'Red apple',
      documents_json: docs({ id: 'd3', text: 'blue car' }, { id: 'd2', text: 'green apple' }, { id: 'd1', text: 'red apple pie', metadata: { k: 'v' } }),
    });
    expect(Object.keys(output).sort()).toEqual(['backend', 'documents', 'filters', 'query', 'top_k']);
    expect(output).toMatchObject({ backend: 'local', top_k: 5, filters: {}, query: 'Red apple' });
    const hits = output['documents'] as Record<string, unknown>[];
    expect(hits.map((h) => h['id'])).toEqual(['d1', 'd2', 'd3']);
    expect(Object.keys(hits[0] ?? {}).sort()).toEqual(['id', 'lexical_score', 'metadata', 'score', 'text', 'vector_score']);
    expect(hits[0]).toMatchObject({ text: 'red apple pie', metadata: { k: 'v' } });
    expect(hits[0]?.['vector_score']).toBeCloseTo(Math.sqrt(6) / 3, 12);
    expect(hits[0]?.['lexical_score']).toBeCloseTo(2 / 3, 15);
    expect(hits[0]?.['score']).toBeCloseTo(0.7 * (Math.sqrt(6) / 3) + 0.3 * (2 / 3), 12);
    expect(hits[1]?.['vector_score']).toBeCloseTo(0.5, 12);
    expect(hits[1]?.['score']).toBeCloseTo(0.7 * 0.5 + 0.3 / 3, 12);
    expect(hits[2]).toMatchObject({ score: 0, vector_score: 0, lexical_score: 0, metadata: {} });
  });

  it('keeps input order between equal scores and cuts at top_k', async () => {
    const output = await run({ query: 'same', top_k: '2', documents_json: docs({ id: 'x', text: 'same' }, { id: 'y', text: 'same' }, { id: 'z', text: 'same' }) });
    expect(ids(output)).toEqual(['x', 'y']);
    expect(output['top_k']).toBe(2);
  });

  it('numbers documents_json ids by 1-based position, dropped blanks included', async () => {
    const output = await run({
      query: 'doc',
      documents_json: docs({ text: '  ' }, { text: 'doc b' }, { id: ' ', text: 'doc c' }, null, { id: 'kept', text: 'doc e' }, { ID: 'upper', Text: 'doc f' }),
    });
    expect(ids(output).sort()).toEqual(['doc-2', 'doc-3', 'kept', 'upper']);
  });

  it('numbers `documents` lines by line number, skipping blank lines', async () => {
    const output = await run({ query: 'alpha beta', documents: '\nalpha\n\n  beta  \r\n' });
    const hits = output['documents'] as { id: string; text: string }[];
    // The whole input is trimmed first (as firstNonEmpty does), so "alpha" is line 1.
    expect(hits.map((h) => [h.id, h.text]).sort()).toEqual([['doc-1', 'alpha'], ['doc-3', 'beta']]);
  });

  it('prefers documents_json over documents, even when it holds nothing', async () => {
    expect((await run({ query: 'a', documents_json: '[]', documents: 'a' }))['documents']).toEqual([]);
  });

  it('returns no hits (not an error) for a blank query or no documents', async () => {
    expect((await run({ documents: 'alpha' }))['documents']).toEqual([]);
    expect((await run({ query: 'alpha' }))['documents']).toEqual([]);
  });

  it('filters on metadata: key present and equal ignoring case and surrounding space', async () => {
    const documents_json = docs(
      { id: 'acme', text: 'report', metadata: { tenant: ' ACME ', tier: 2 } },
      { id: 'other', text: 'report', metadata: { tenant: 'globex', tier: 2 } },
      { id: 'none', text: 'report' },
    );
    expect(ids(await run({ query: 'report', documents_json, filters_json: '{"tenant":"acme"}' }))).toEqual(['acme']);
    expect(ids(await run({ query: 'report', documents_json, filters_json: '{"tier":"2"}' }))).toEqual(['acme', 'other']);
    expect(ids(await run({ query: 'report', documents_json, tenant: 'Globex' }))).toEqual(['other']);
    const both = await run({ query: 'report', documents_json, tenant: 'acme', data_classification: 'secret' });
    expect(both['filters']).toEqual({ tenant: 'acme', data_classification: 'secret' });
    expect(ids(both)).toEqual([]);
    // filters_json wins over tenant / data_classification.
    const explicit = await run({ query: 'report', documents_json, filters_json: '{}', tenant: 'acme' });
    expect(explicit['filters']).toEqual({});
    expect(ids(explicit)).toEqual(['acme', 'other', 'none']);
  });

  it('compares non-string metadata as Go prints it (%v)', () => {
    expect(matchesFilters({ n: 1000000 }, { n: '1e+06' })).toBe(true);
    expect(matchesFilters({ n: 1000000 }, { n: '1000000' })).toBe(false);
    expect(matchesFilters({ ok: true }, { ok: 'TRUE' })).toBe(true);
    expect(matchesFilters({}, { constructor: '' })).toBe(false);
  });

  it('fails with a message naming the input or field', async () => {
    await expect(run({ query: 'a', documents_json: '[{' })).rejects.toThrow(/^input documents_json is not valid JSON/);
    await expect(run({ query: 'a', documents_json: '{}' })).rejects.toThrow('input documents_json must be a JSON array of {id, text, metadata}, got object');
    await expect(run({ query: 'a', documents_json: '["text"]' })).rejects.toThrow('input documents_json: item 1 must be an object, got string');
    await expect(run({ query: 'a', documents_json: '[{"text":"a"},{"id":7,"text":"b"}]' })).rejects.toThrow('input documents_json: item 2 field id must be a string, got number');
    await expect(run({ query: 'a', documents_json: '[{"text":"a","metadata":[1]}]' })).rejects.toThrow('input documents_json: item 1 field metadata must be an object, got array');
    await expect(run({ query: 'a', documents: 'a', filters_json: '{"tier":2}' })).rejects.toThrow('input filters_json: field tier must be a string, got number');
    await expect(run({ query: 'a', documents: 'a', filters_json: '["x"]' })).rejects.toThrow('input filters_json must be a JSON object of strings, got array');
    await expect(run({ query: 'a', documents: 'a', top_k: 'five' })).rejects.toThrow('input top_k must be an integer, got "five"');
    await expect(run({ query: 'a', documents: 'a', backend: 'Elastic' })).rejects.toThrow('unsupported retrieval backend "elastic"');
  });

  it('reads top_k of zero or less as the default 5', async () => {
    expect((await run({ query: 'a', documents: 'a', top_k: '0' }))['top_k']).toBe(5);
  });
});

describe('retrieval (remote_api, through the retrieveRemote seam)', () => {
  it('hands query, documents, filters and top_k over and writes the service\'s documents', async () => {
    remote.mockResolvedValue([{ id: 'r1', score: 0.9 }]);
    const output = await run(
      { query: 'q', documents_json: docs({ id: 'a', text: 'alpha', metadata: { tier: 2 } }), filters_json: '{"tenant":"t"}', top_k: '3' },
      { retrievalBackend: 'Remote-API' },
    );
    expect(remote).toHaveBeenCalledWith(expect.anything(), {
      query: 'q',
      documents: [{ id: 'a', text: 'alpha', metadata: { tier: 2 } }],
      filters: { tenant: 't' },
      topK: 3,
    });
    expect(output).toEqual({ backend: 'remote-api', top_k: 3, filters: { tenant: 't' }, documents: [{ id: 'r1', score: 0.9 }], query: 'q' });
  });

  it('takes retrieval_backend before backend', async () => {
    remote.mockResolvedValue([]);
    expect((await run({ query: 'q', retrieval_backend: 'remote', backend: 'local' }))['backend']).toBe('remote');
    expect(remote).toHaveBeenCalledTimes(1);
  });
});

describe('retrieval through the real thread path', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'splai-retrieval-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes output.json with the envelope and the hits', async () => {
    const { result, document } = await runInPool(root, 'retrieval', {
      query: 'red apple',
      documents: 'blue car\ngreen apple\nred apple pie',
      top_k: '2',
    });
    expect(result).toMatchObject({ ok: true, uri: 'artifact://job-pool/task-pool/output.json' });
    expect(document).toMatchObject({ job_id: 'job-pool', task_id: 'task-pool', type: 'retrieval', backend: 'local', top_k: 2, filters: {}, query: 'red apple' });
    expect(document?.['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect((document?.['documents'] as { id: string }[]).map((h) => h.id)).toEqual(['doc-3', 'doc-2']);
  });
});
