/** The cache inventory advertised at registration. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listCachedModels } from '../../actors/modelInventory.js';

let cache = '';
afterEach(async () => {
  if (cache !== '') await rm(cache, { recursive: true, force: true });
});

describe('listCachedModels', () => {
  it('lists non-empty org/name dirs and ignores downloads in progress, locks, empty dirs and stray files', async () => {
    cache = await mkdtemp(join(tmpdir(), 'splai-inventory-'));
    const put = async (path: string, content = 'x') => {
      await mkdir(join(cache, path, '..'), { recursive: true });
      await writeFile(join(cache, path), content);
    };
    await put('Qwen/Qwen2.5-0.5B/config.json');
    await put('acme/tiny/weights/a.bin');
    await put('acme/.half.tmp-abc123/config.json');
    await put('acme/.tiny.lock', '{}');
    await put('acme/.old.old-1234/config.json');
    await put('README.txt');
    await put('.hidden-org/model/config.json');
    await mkdir(join(cache, 'acme', 'empty'), { recursive: true });
    await expect(listCachedModels(cache)).resolves.toEqual(['Qwen/Qwen2.5-0.5B', 'acme/tiny']);
  });

  it('is empty when the cache does not exist', async () => {
    await expect(listCachedModels(join(tmpdir(), 'splai-no-such-cache-dir', 'models'))).resolves.toEqual([]);
  });
});
