/**
 * The task type lookup: trimmed and lower-cased, as the reference matches it,
 * through the real thread path (pool, thread entry, artifact).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execute as aggregation } from '../../executors/aggregation.js';
import { execute as embedding } from '../../executors/embedding.js';
import { canonicalTaskType, executorFor } from '../../executors/registry.js';
import { runInPool } from './runInPool.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('task type lookup', () => {
  it('ignores case and surrounding blanks', async () => {
    expect(canonicalTaskType(' Model_Download\t')).toBe('model_download');
    await expect(executorFor('Embedding ')).resolves.toBe(embedding);
    await expect(executorFor('  AGGREGATION')).resolves.toBe(aggregation);
  });

  it('knows no other types, nor object keys', async () => {
    for (const type of ['', 'shell', 'embed ding', '__proto__', 'constructor', 'toString']) await expect(executorFor(type)).resolves.toBeUndefined();
  });

  it('runs `Embedding ` in a task thread and writes the type back as given, as the reference does', async () => {
    const root = await mkdtemp(join(tmpdir(), 'splai-type-'));
    dirs.push(root);
    const { result, document } = await runInPool(root, 'Embedding ', { text: 'red apple', dimension: '8' });
    expect(result.ok).toBe(true);
    expect(document).toMatchObject({ type: 'Embedding ', backend: 'local', model_version: 'local-hash-v1', dimension: 8, text_count: 1 });
    const unknown = await runInPool(root, ' Shell', { command: 'true' });
    expect(unknown.result).toMatchObject({ ok: false, error: 'unsupported task type " Shell"' });
  });
});
