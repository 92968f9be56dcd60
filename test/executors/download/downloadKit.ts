/**
 * Shared set-up of the model_download tests: temp cache dirs and fake Hubs that
 * are cleaned up after each test, and a context factory for the executor.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { WorkerConfig } from '../../../config/index.js';
import { fakeContext, type FakeContext } from '../fakeContext.js';
import { startFakeHub, type FakeHub, type FakeHubOptions } from './fakeHub.js';

export const MODEL = 'acme/tiny-model';
export const FILES = {
  'config.json': '{"model_type":"tiny","hidden_size":8}\n',
  'tokenizer/vocab.txt': 'hello\nworld\n',
  'model.safetensors': Buffer.alloc(200_000, 7),
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A temp dir removed after the test. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A fake Hub closed after the test (serving MODEL by default). */
export async function hub(options: FakeHubOptions = { models: { [MODEL]: FILES } }): Promise<FakeHub> {
  const server = await startFakeHub(options);
  cleanups.push(() => server.close());
  return server;
}

/** An empty cache, a Hub, and `make(inputs)` for model_download contexts using both. */
export async function setup(options: { hub?: FakeHub; config?: Partial<WorkerConfig> } = {}) {
  const cache = await tempDir('splai-models-');
  const server = options.hub ?? (await hub());
  const make = (inputs: Record<string, string>): FakeContext =>
    fakeContext({ type: 'model_download', inputs, config: { modelCacheDir: cache, hfEndpoint: server.url, ...options.config } });
  return { cache, server, make };
}

/** Everything under `dir`, relative, sorted (files only). */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}
