/** The model cache part of the inventory: org/name ids and one-segment models. */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listCachedModels } from '../../actors/modelInventory.js';
import { classifyCacheEntry, isLeftoverOf } from '../../executors/download/cacheLayout.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function cacheWith(files: Record<string, string>, emptyDirs: string[] = []): Promise<string> {
  const cache = await mkdtemp(join(tmpdir(), 'splai-inventory-'));
  dirs.push(cache);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(cache, path, '..'), { recursive: true });
    await writeFile(join(cache, path), content);
  }
  for (const dir of emptyDirs) await mkdir(join(cache, dir), { recursive: true });
  return cache;
}

describe('listCachedModels', () => {
  it('lists non-empty org/name dirs and ignores downloads in progress, locks, empty dirs and stray files', async () => {
    const cache = await cacheWith(
      {
        'Qwen/Qwen2.5-0.5B/config.json': '{}',
        'acme/tiny/weights/a.bin': 'x',
        'acme/.half.tmp-abc123/config.json': '{"half":',
        'acme/.tiny.lock': '{}',
        'acme/.old.old-1234abcd/config.json': '{}',
        'README.txt': 'x',
        '.hidden-org/model/config.json': '{}',
      },
      ['acme/empty'],
    );
    await expect(listCachedModels(cache)).resolves.toEqual(['Qwen/Qwen2.5-0.5B', 'acme/tiny']);
  });

  it('lists one-segment models <cache>/<name> beside org dirs, whatever files they start with', async () => {
    const cache = await cacheWith({
      'llama3-8b-q4/model.gguf': 'GGUF',
      'gpt2/.gitattributes': '*.bin filter=lfs',
      'gpt2/onnx/decoder.onnx': 'x',
      'cloned/.git/HEAD': 'ref: refs/heads/main',
      'cloned/weights/a.bin': 'x',
      'hf-cli/.cache/huggingface/download/x': 'x',
      'hf-cli/sub/model.bin': 'x',
      'acme/tiny/config.json': '{}',
      'acme/other/config.json': '{}',
      // Work entries of one-segment models live in the root, hidden.
      '.gpt3.lock': '{}',
      '.gpt3.tmp-q1w2e3/config.json': '{}',
      '.gpt2.old-0123abcd/config.json': '{}',
    });
    await expect(listCachedModels(cache)).resolves.toEqual(['acme/other', 'acme/tiny', 'cloned', 'gpt2', 'hf-cli', 'llama3-8b-q4']);
  });

  it('counts an org dir holding only a download in progress as an org with no models yet', async () => {
    const cache = await cacheWith({ 'acme/.tiny.lock': '{}', 'acme/.tiny.tmp-abc123/config.json': '{}' }, ['empty-dir']);
    await expect(listCachedModels(cache)).resolves.toEqual([]);
  });

  it('follows links to model directories, and leaves out names model_download would refuse', async () => {
    const elsewhere = await cacheWith({ 'config.json': '{}' });
    const cache = await cacheWith({ 'bad name/config.json': '{}', 'acme/x..y/config.json': '{}' }, ['acme']);
    await symlink(elsewhere, join(cache, 'acme', 'linked'));
    await symlink(elsewhere, join(cache, 'linked-model'));
    await expect(listCachedModels(cache)).resolves.toEqual(['acme/linked', 'linked-model']);
  });

  it('is empty when the cache does not exist, and an error when it cannot be read', async () => {
    await expect(listCachedModels(join(tmpdir(), 'splai-no-such-cache-dir', 'models'))).resolves.toEqual([]);
    const parent = await cacheWith({ 'not-a-dir': 'x' });
    await expect(listCachedModels(join(parent, 'not-a-dir'))).rejects.toThrow(/ENOTDIR/);
  });
});

describe('cache layout', () => {
  it('tells an org dir from a one-segment model dir', async () => {
    const cache = await cacheWith({ 'org/m/config.json': '{}', 'org/.m.lock': '{}', 'model/config.json': '{}', 'git/.git/HEAD': 'x', 'file': 'x' }, ['empty']);
    await expect(classifyCacheEntry(join(cache, 'org'))).resolves.toBe('org');
    await expect(classifyCacheEntry(join(cache, 'model'))).resolves.toBe('model');
    await expect(classifyCacheEntry(join(cache, 'git'))).resolves.toBe('model');
    await expect(classifyCacheEntry(join(cache, 'empty'))).resolves.toBe('empty');
    await expect(classifyCacheEntry(join(cache, 'file'))).resolves.toBe('file');
    await expect(classifyCacheEntry(join(cache, 'none'))).resolves.toBe('missing');
  });

  it('keeps an org dir an org whatever hidden junk it holds (an older version\'s temp dirs, .DS_Store)', async () => {
    const cache = await cacheWith({ 'acme/tiny/config.json': '{}', 'acme/.tiny-2.download-tmp/part': 'x', 'acme/.DS_Store': 'x', 'hf/.gitattributes': '*', 'hf/onnx/model.onnx': 'x' });
    await expect(classifyCacheEntry(join(cache, 'acme'))).resolves.toBe('org');
    // A repo with only folders at its top still has the Hub's .gitattributes.
    await expect(classifyCacheEntry(join(cache, 'hf'))).resolves.toBe('model');
    await expect(listCachedModels(cache)).resolves.toEqual(['acme/tiny', 'hf']);
  });

  it('matches leftovers exactly', () => {
    expect(isLeftoverOf('.a.tmp-x1y2z3', 'a')).toBe(true);
    expect(isLeftoverOf('.a.old-0123abcd', 'a')).toBe(true);
    // The lock and temp dir of another model called a.tmp-x1y2z3 are not leftovers of a.
    expect(isLeftoverOf('.a.tmp-x1y2z3.lock', 'a')).toBe(false);
    expect(isLeftoverOf('.a.tmp-x1y2z3.tmp-q1w2e3', 'a')).toBe(false);
    expect(isLeftoverOf('.a.lock', 'a')).toBe(false);
  });
});
