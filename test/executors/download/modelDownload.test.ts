/**
 * model_download against real local servers: a fake Hub (the routes the
 * `@huggingface/hub` library uses) for the native path and `git http-backend`
 * for the git fallback. Covers only_if_missing, interrupted and aborted
 * downloads, concurrent downloads of one model and unsafe names.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROGRESS_MIN_BYTES } from '../../../executors/download/hubDownload.js';
import { installModel } from '../../../executors/download/installModel.js';
import { execute } from '../../../executors/modelDownload.js';
import { FILES, hub, listTree, MODEL, setup, tempDir } from './downloadKit.js';
import { createBareRepo, gitHttpBackend } from './gitServer.js';

async function expectInstalledCopy(cache: string): Promise<void> {
  const dir = join(cache, 'acme', 'tiny-model');
  expect(await listTree(dir)).toEqual(['config.json', 'model.safetensors', 'tokenizer/vocab.txt']);
  expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe(FILES['config.json']);
  expect((await readFile(join(dir, 'model.safetensors'))).equals(FILES['model.safetensors'])).toBe(true);
  // No temp dir, old copy or lock left beside it.
  expect(await readdir(join(cache, 'acme'))).toEqual(['tiny-model']);
}

describe('model_download with the hub library', () => {
  it('downloads every file into <cache>/<org>/<name> and reports the reference fields', async () => {
    const { cache, server, make } = await setup({ config: { hfToken: 'hf_secret_token' } });
    const context = make({ model: MODEL });
    const output = await execute(context);
    expect(output).toEqual({
      model: MODEL,
      source: 'huggingface',
      only_if_missing: true,
      model_path: join(cache, 'acme', 'tiny-model'),
      model_installed_now: true,
      result: 'ok',
    });
    await expectInstalledCopy(cache);
    expect(server.downloads.sort()).toEqual([`${MODEL}/config.json`, `${MODEL}/model.safetensors`, `${MODEL}/tokenizer/vocab.txt`]);
    // HF_TOKEN reaches the hub on every call and never the task log.
    expect(server.authorizations.length).toBeGreaterThan(0);
    expect(new Set(server.authorizations)).toEqual(new Set(['Bearer hf_secret_token']));
    expect(JSON.stringify(context.logs)).not.toContain('hf_secret_token');
  });

  it('follows redirects to a CDN without sending it the token', async () => {
    const cdn = await hub();
    const redirecting = await hub({ models: { [MODEL]: FILES }, redirectFilesTo: cdn.url });
    const { cache, make } = await setup({ hub: redirecting, config: { hfToken: 'hf_secret_token' } });
    await expect(execute(make({ model: MODEL }))).resolves.toMatchObject({ model_installed_now: true });
    await expectInstalledCopy(cache);
    expect(cdn.downloads).toHaveLength(3);
    expect(cdn.authorizations.length).toBeGreaterThan(0);
    expect(cdn.authorizations.every((header) => header === undefined)).toBe(true);
    expect(redirecting.authorizations.every((header) => header === 'Bearer hf_secret_token')).toBe(true);
  });

  it('does nothing when the model is installed and only_if_missing (default)', async () => {
    const { server, make } = await setup();
    await execute(make({ model: MODEL }));
    const before = server.downloads.length;
    await expect(execute(make({ model: MODEL, only_if_missing: 'true' }))).resolves.toMatchObject({ model_installed_now: false });
    expect(server.downloads.length).toBe(before);
  });

  it('downloads again with only_if_missing=false and swaps the copy in', async () => {
    const { cache, server, make } = await setup();
    await execute(make({ model: MODEL }));
    await expect(execute(make({ model: MODEL, only_if_missing: 'false' }))).resolves.toMatchObject({ model_installed_now: true, only_if_missing: false });
    expect(server.downloads.length).toBe(6);
    await expectInstalledCopy(cache);
  });

  it('never counts an interrupted download as installed, and a retry installs cleanly', async () => {
    const { cache, server, make } = await setup();
    server.cutNext(`${MODEL}/model.safetensors`);
    const failed = make({ model: MODEL });
    // The native path fails mid-file; hf/huggingface-cli are absent or fail; git finds no repo here.
    await expect(execute(failed)).rejects.toThrow(/^model_download of acme\/tiny-model failed: hub: download of acme\/tiny-model\/model\.safetensors failed after \d+ of 200000 bytes/);
    expect(await readdir(join(cache, 'acme'))).toEqual([]);
    expect(failed.logs.some((line) => line.level === 'warn' && line.message.includes('with hub failed'))).toBe(true);

    await expect(execute(make({ model: MODEL }))).resolves.toMatchObject({ model_installed_now: true });
    await expectInstalledCopy(cache);
  });

  it('stops an aborted download and leaves nothing installed', async () => {
    const { cache, server, make } = await setup();
    server.stallDownloads();
    const context = make({ model: MODEL });
    const pending = execute(context);
    await expect.poll(() => server.downloads.length).toBeGreaterThan(0);
    context.controller.abort(new Error('task cancelled: job gone'));
    await expect(pending).rejects.toThrow('task cancelled: job gone');
    server.release();
    expect(await readdir(join(cache, 'acme'))).toEqual([]);
  });

  it('two concurrent downloads of one model leave one intact copy, downloaded once', async () => {
    const { cache, server, make } = await setup();
    server.stallDownloads();
    const first = make({ model: MODEL });
    const second = make({ model: MODEL });
    const a = execute(first);
    await expect.poll(() => server.downloads.length).toBeGreaterThan(0);
    const b = execute(second);
    // The second waits for the lock while the first is stalled mid-file.
    await expect.poll(() => second.logs.some((line) => line.message.includes('waiting for another download'))).toBe(true);
    server.release();
    const results = await Promise.all([a, b]);
    expect(results.map((r) => r.model_installed_now).sort()).toEqual([false, true]);
    expect(server.downloads.length).toBe(3);
    await expectInstalledCopy(cache);
  });

  it('logs progress of large files', async () => {
    const big = Buffer.alloc(PROGRESS_MIN_BYTES + 1024, 1);
    const { cache, make } = await setup({ hub: await hub({ models: { 'acme/big': { 'w.bin': big } } }) });
    const context = make({ model: 'acme/big' });
    await execute(context);
    const progress = context.logs.filter((line) => line.message.startsWith('downloading acme/big/w.bin'));
    expect(progress[0]?.message).toBe('downloading acme/big/w.bin (32.0 MiB)');
    expect(progress.some((line) => line.message.startsWith('downloading acme/big/w.bin: 50%'))).toBe(true);
    expect(progress.at(-1)?.message).toBe('downloading acme/big/w.bin: 100% (32.0 of 32.0 MiB)');
    expect((await stat(join(cache, 'acme', 'big', 'w.bin'))).size).toBe(big.length);
  });

  it('takes over a lock left by a process that died and removes its half download', async () => {
    const { cache, make } = await setup();
    const { mkdir, writeFile } = await import('node:fs/promises');
    const { hostname } = await import('node:os');
    await mkdir(join(cache, 'acme', '.tiny-model.tmp-dead01'), { recursive: true });
    await writeFile(join(cache, 'acme', '.tiny-model.tmp-dead01', 'config.json'), '{"half":');
    // A pid that cannot be alive (above pid_max on Linux).
    await writeFile(join(cache, 'acme', '.tiny-model.lock'), JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), token: 'dead' }));
    await expect(execute(make({ model: MODEL }))).resolves.toMatchObject({ model_installed_now: true });
    await expectInstalledCopy(cache);
  });
});

describe('model_download with the git fallback', () => {
  it('clones <endpoint>/<model> with git when the hub API fails', async () => {
    const repos = await tempDir('splai-git-');
    createBareRepo(repos, MODEL, { 'config.json': '{"from":"git"}\n', 'weights/part-1.bin': 'abc' });
    // The hub knows no models (its API 404s), but serves git at /<org>/<name>.
    const server = await hub({ models: {}, fallback: gitHttpBackend(repos) });
    const { cache, make } = await setup({ hub: server });
    const context = make({ model: MODEL });
    await expect(execute(context)).resolves.toMatchObject({ model_installed_now: true, model_path: join(cache, 'acme', 'tiny-model') });
    const dir = join(cache, 'acme', 'tiny-model');
    expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe('{"from":"git"}\n');
    expect(await readFile(join(dir, 'weights', 'part-1.bin'), 'utf8')).toBe('abc');
    expect((await stat(join(dir, '.git'))).isDirectory()).toBe(true);
    expect(context.logs.some((line) => line.message === `downloaded ${MODEL} with git`)).toBe(true);
    expect(await readdir(join(cache, 'acme'))).toEqual(['tiny-model']);
  });

  it('fails with every way listed when no way works', async () => {
    const { cache, make } = await setup({ hub: await hub({ models: {} }) });
    const error = await execute(make({ model: 'acme/missing' })).catch((e: unknown) => e as Error);
    expect(error.message).toMatch(/^model_download of acme\/missing failed: hub: .*; hf: .*; huggingface-cli: .*; git: git exited with code 128/);
    expect(error.message).not.toContain('\n');
    expect(await readdir(join(cache, 'acme'))).toEqual([]);
  });
});

describe('model names and sources', () => {
  it('requires a model', async () => {
    const { make } = await setup();
    await expect(execute(make({ model: '  ' }))).rejects.toThrow('model_download requires input.model');
  });

  it.each([
    ['../etc', 'contains a relative path segment'],
    ['..', 'contains a relative path segment'],
    ['acme/..', 'contains a relative path segment'],
    ['/etc/passwd', 'is an absolute path'],
    ['acme\\evil', 'contains a backslash'],
    ['..\\evil', 'contains a backslash'],
    ['acme//x', 'has an empty path segment'],
    ['acme/', 'has an empty path segment'],
    ['acme/x/extra', 'must be a name or org/name'],
    ['.hidden/x', 'has characters a Hugging Face repo name cannot have'],
    ['.gpt2.lock', 'has characters a Hugging Face repo name cannot have'],
    ['-flag', 'has characters a Hugging Face repo name cannot have'],
    ['acme/x..y', 'has characters a Hugging Face repo name cannot have'],
    ['x..y', 'has characters a Hugging Face repo name cannot have'],
    ['llama3:8b', 'has characters a Hugging Face repo name cannot have'],
    ['name with space', 'has characters a Hugging Face repo name cannot have'],
  ])('refuses %s before touching the disk', async (model, problem) => {
    const { cache, server, make } = await setup();
    await expect(execute(make({ model }))).rejects.toThrow(`invalid model name ${JSON.stringify(model)}: ${problem}`);
    expect(await readdir(cache).catch(() => [])).toEqual([]);
    expect(server.requests).toEqual([]);
  });

  it('refuses sources other than huggingface', async () => {
    const { make } = await setup();
    await expect(execute(make({ model: MODEL, source: 's3' }))).rejects.toThrow('unsupported model source "s3" (supported: huggingface)');
  });

  it('writes source back as given (trimmed), matching huggingface in any case, as the reference does', async () => {
    const { cache, make } = await setup();
    await expect(execute(make({ model: MODEL, source: '  HuggingFace ' }))).resolves.toEqual({
      model: MODEL,
      source: 'HuggingFace',
      only_if_missing: true,
      model_path: join(cache, 'acme', 'tiny-model'),
      model_installed_now: true,
      result: 'ok',
    });
    await expect(execute(make({ model: MODEL, source: 'HUGGINGFACE' }))).resolves.toMatchObject({ source: 'HUGGINGFACE', model_installed_now: false });
  });

  it('installModel reports the existing copy without locking', async () => {
    const { cache, make } = await setup();
    await execute(make({ model: MODEL }));
    await expect(installModel(make({}), { model: MODEL, source: 'HuggingFace', onlyIfMissing: true })).resolves.toEqual({
      modelPath: join(cache, 'acme', 'tiny-model'),
      installedNow: false,
    });
  });
});
