import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalArtifactStore } from '../../artifacts/LocalArtifactStore.js';
import { execute } from '../../executors/aggregation.js';
import { reduceSources } from '../../executors/aggregationReduce.js';
import { contextFor } from './contextFor.js';
import { runInPool } from './runInPool.js';

const run = (inputs: Record<string, string>) => execute(contextFor(inputs));
const items = (...values: unknown[]) => JSON.stringify(values);

describe('aggregation of inline items', () => {
  it('merges first-wins, records conflicts, provenance and highlights (worked example)', async () => {
    const output = await run({
      items_json: items(
        { summary: ' disk full ', severity: 'high', count: 1, _internal: 'hidden', 'dep:x': 'hidden' },
        { summary: ' disk full ', severity: 'low', count: 1.0, region: 'eu' },
        { severity: 'high', region: 'us', tags: ['a'] },
      ),
    });
    expect(Object.keys(output).sort()).toEqual(['mode', 'provenance', 'result', 'source_count', 'sources']);
    expect(output['mode']).toBe('structured_report');
    expect(output['source_count']).toBe(3);
    expect(output['result']).toEqual({
      merged_fields: { count: 1, severity: 'high', summary: ' disk full ', region: 'eu', tags: ['a'] },
      // The winning value first, then each differing value once.
      conflicts: { severity: ['high', 'low'], region: ['eu', 'us'] },
      // Trimmed, unique, sorted.
      highlights: ['disk full', 'eu', 'high', 'low', 'us'],
    });
    expect(output['provenance']).toEqual({
      count: ['inline-1', 'inline-2'],
      severity: ['inline-1', 'inline-2', 'inline-3'],
      summary: ['inline-1', 'inline-2'],
      region: ['inline-2', 'inline-3'],
      tags: ['inline-3'],
    });
    const sources = output['sources'] as Record<string, unknown>[];
    expect(sources.map((s) => s['source_task_id'])).toEqual(['inline-1', 'inline-2', 'inline-3']);
    expect(sources[0]).not.toHaveProperty('artifact_uri');
    expect(sources[0]?.['payload']).toMatchObject({ _internal: 'hidden' });
  });

  it('compares non-string values by their JSON encoding', () => {
    const { result } = reduceSources([
      { source_task_id: 'a', payload: { obj: { x: 1, y: [1, 2] }, n: 1, s: 1, z: 0, arr: [1, 2] } },
      { source_task_id: 'b', payload: { obj: { y: [1, 2], x: 1.0 }, n: 1.0, s: '1', z: -0, arr: [2, 1] } },
    ]);
    // Key order inside objects does not matter, 1 equals 1.0; "1" is not 1, -0 is not 0 (Go marshals "-0"), arrays are ordered.
    expect(Object.keys(result.conflicts).sort()).toEqual(['arr', 's', 'z']);
    expect(result.conflicts['s']).toEqual([1, '1']);
    expect(result.conflicts['arr']).toEqual([[1, 2], [2, 1]]);
  });

  it('keeps each conflicting value once, in first-seen order', () => {
    const { result } = reduceSources(['b', 'a', 'b', 'c', 'a'].map((v, i) => ({ source_task_id: `s${i}`, payload: { k: v } })));
    expect(result.conflicts).toEqual({ k: ['b', 'a', 'c'] });
    expect(result.merged_fields).toEqual({ k: 'b' });
  });

  it('keeps at most 12 highlights, in code point order', () => {
    const payload = Object.fromEntries(['m', 'b', 'z', 'a', '\u{1F600}', '\uffff', 'c', 'd', 'e', 'f', 'g', 'h', 'i', ' ', 'b'].map((v, i) => [`k${i}`, v]));
    const { result } = reduceSources([{ source_task_id: 'one', payload }]);
    expect(result.highlights).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'm', 'z', '\uffff']);
  });

  it('treats keys named like Object.prototype members as data, and skips "__proto__" as a "_" key', () => {
    const payload = JSON.parse('{"__proto__": {"polluted": true}, "constructor": "c", "toString": "t"}') as Record<string, unknown>;
    const { result, provenance } = reduceSources([{ source_task_id: 'one', payload }]);
    expect(JSON.parse(JSON.stringify(result.merged_fields))).toEqual({ constructor: 'c', toString: 't' });
    expect(Object.keys(provenance).sort()).toEqual(['constructor', 'toString']);
  });

  it('lower-cases the mode, from aggregation_mode then mode', async () => {
    expect((await run({ items_json: '[{}]', mode: 'Summary' }))['mode']).toBe('summary');
    expect((await run({ items_json: '[{}]', mode: 'x', aggregation_mode: 'Custom' }))['mode']).toBe('custom');
  });

  it('keeps a null item as an empty source', async () => {
    const output = await run({ items_json: '[null, {"a": "x"}]' });
    expect(output['source_count']).toBe(2);
    expect((output['sources'] as unknown[])[0]).toEqual({ source_task_id: 'inline-1', payload: null });
    expect(output['provenance']).toEqual({ a: ['inline-2'] });
  });

  it('checks required fields (JSON array or comma list), listing the missing ones in order', async () => {
    const base = { items_json: items({ summary: 'ok', empty: null }) };
    await expect(run({ ...base, required_fields: ' root_cause , summary,, region ' })).rejects.toThrow(/^aggregation missing required fields: root_cause,region$/);
    await expect(run({ ...base, required_fields_json: '["region", "summary", " "]', required_fields: 'ignored' })).rejects.toThrow('aggregation missing required fields: region');
    // Present with a null value still counts as present.
    expect(await run({ ...base, required_fields: 'summary,empty' })).toMatchObject({ source_count: 1 });
  });

  it('fails with a message naming the input or item', async () => {
    await expect(run({})).rejects.toThrow('aggregation requires at least one source (dependency artifact or items_json)');
    await expect(run({ items_json: '[]' })).rejects.toThrow('aggregation requires at least one source');
    await expect(run({ items_json: '[{"a":1}' })).rejects.toThrow(/^input items_json is not valid JSON/);
    await expect(run({ items_json: '{"a":1}' })).rejects.toThrow('input items_json must be a JSON array of objects, got object');
    await expect(run({ items_json: '[{"a":1}, 5]' })).rejects.toThrow('input items_json: item 2 must be an object, got number');
    await expect(run({ items_json: '[{}]', required_fields_json: 'a,b' })).rejects.toThrow(/^input required_fields_json is not valid JSON/);
    await expect(run({ items_json: '[{}]', required_fields_json: '{"a":1}' })).rejects.toThrow('input required_fields_json must be a JSON array of strings, got object');
    await expect(run({ items_json: '[{}]', required_fields_json: '["a", 1]' })).rejects.toThrow('input required_fields_json: item 2 must be a string, got number');
  });
});

describe('aggregation of dependency outputs (LocalArtifactStore, real files)', () => {
  let root: string;
  let store: LocalArtifactStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'splai-aggregation-'));
    store = new LocalArtifactStore(root, { fsync: false });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const depOutput = (task: string, fields: Record<string, unknown>) =>
    store.write('job-9', task, { job_id: 'job-9', task_id: task, type: 'llm_inference', created_at: '2026-01-01T00:00:00Z', ...fields });

  it('appends dependencies after inline items, sorted by task id, and merges their whole documents', async () => {
    const uriB = await depOutput('b-summarise', { text: 'beta', backend: 'ollama' });
    const uriA = await depOutput('a-extract', { text: 'alpha', backend: 'ollama' });
    const context = contextFor(
      { 'dep:b-summarise:output_uri': uriB, 'dep:a-extract:output_uri': ` ${uriA} `, items_json: items({ note: 'inline' }), 'dep:blank:output_uri': ' ' },
      { artifacts: store },
    );
    const output = await execute(context);
    const sources = output['sources'] as Record<string, unknown>[];
    expect(sources.map((s) => [s['source_task_id'], s['artifact_uri']])).toEqual([
      ['inline-1', undefined],
      ['a-extract', 'artifact://job-9/a-extract/output.json'],
      ['b-summarise', 'artifact://job-9/b-summarise/output.json'],
    ]);
    expect(sources[1]?.['payload']).toEqual({ job_id: 'job-9', task_id: 'a-extract', type: 'llm_inference', created_at: '2026-01-01T00:00:00Z', text: 'alpha', backend: 'ollama' });
    const result = output['result'] as { merged_fields: Record<string, unknown>; conflicts: Record<string, unknown> };
    // As in the reference, the envelope fields of dependency outputs take part too.
    expect(result.merged_fields).toMatchObject({ note: 'inline', task_id: 'a-extract', text: 'alpha', backend: 'ollama', job_id: 'job-9' });
    expect(result.conflicts).toEqual({ task_id: ['a-extract', 'b-summarise'], text: ['alpha', 'beta'] });
    expect((output['provenance'] as Record<string, string[]>)['backend']).toEqual(['a-extract', 'b-summarise']);
  });

  it('fails on a dependency that cannot be loaded when strict (the default)', async () => {
    const missing = 'artifact://job-9/gone/output.json';
    await expect(execute(contextFor({ 'dep:gone:output_uri': missing }, { artifacts: store }))).rejects.toThrow(
      /^load dependency gone: cannot read artifact artifact:\/\/job-9\/gone\/output.json: ENOENT/,
    );
    await expect(execute(contextFor({ 'dep:bad:output_uri': 'https://example.com/x' }, { artifacts: store }))).rejects.toThrow(/^load dependency bad: cannot read artifact https/);
  });

  it('fails on a dependency artifact that is not a JSON object', async () => {
    const { writeFile, mkdir } = await import('node:fs/promises');
    await mkdir(join(root, 'job-9', 'list'), { recursive: true });
    await writeFile(join(root, 'job-9', 'list', 'output.json'), '[1,2]');
    await expect(execute(contextFor({ 'dep:list:output_uri': 'artifact://job-9/list/output.json' }, { artifacts: store }))).rejects.toThrow(
      'load dependency list: artifact artifact://job-9/list/output.json is not a JSON object (got array)',
    );
  });

  it('skips (and logs) what cannot be loaded when strict_dependencies=false', async () => {
    const uri = await depOutput('ok', { text: 'fine' });
    const context = contextFor({ 'dep:ok:output_uri': uri, 'dep:gone:output_uri': 'artifact://job-9/gone/output.json', strict_dependencies: 'false' }, { artifacts: store });
    const output = await execute(context);
    expect(output['source_count']).toBe(1);
    expect(context.logged).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringContaining('load dependency gone') })]);
    // Nothing loadable and no items: still no sources.
    const empty = contextFor({ 'dep:gone:output_uri': 'artifact://job-9/gone/output.json', strict_dependencies: 'f' }, { artifacts: store });
    await expect(execute(empty)).rejects.toThrow('aggregation requires at least one source');
  });
});

describe('aggregation through the real thread path', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'splai-aggregation-pool-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads a dependency written under the artifact root and writes output.json', async () => {
    const store = new LocalArtifactStore(root, { fsync: false });
    const uri = await store.write('job-pool', 'extract', { job_id: 'job-pool', task_id: 'extract', type: 'tool_execution', created_at: '2026-01-01T00:00:00Z', result: 'ok' });
    const { result, document } = await runInPool(root, 'aggregation', { 'dep:extract:output_uri': uri, items_json: items({ region: 'eu' }), required_fields: 'region,result' }, { job: 'job-pool', task: 'report' });
    expect(result).toMatchObject({ ok: true, uri: 'artifact://job-pool/report/output.json' });
    expect(document).toMatchObject({ job_id: 'job-pool', task_id: 'report', type: 'aggregation', mode: 'structured_report', source_count: 2 });
    expect(document?.['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(document?.['result']).toMatchObject({ merged_fields: { region: 'eu', result: 'ok', task_id: 'extract' }, conflicts: {} });
    expect(document?.['provenance']).toMatchObject({ region: ['inline-1'], result: ['extract'] });
  });

  it('reports the missing required fields as the one-line error', async () => {
    const { result } = await runInPool(root, 'aggregation', { items_json: '[{"a":"x"}]', required_fields: 'root_cause,region' });
    expect(result).toMatchObject({ ok: false, error: 'aggregation missing required fields: root_cause,region' });
  });
});
