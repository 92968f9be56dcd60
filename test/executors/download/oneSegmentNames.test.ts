/**
 * model_download of the names the gateway sends besides `org/name`: its default
 * `llama3-8b-q4`, or `gpt2`. A one-segment name is one directory `<cache>/<name>`;
 * its lock, temp dirs and old copies are hidden entries of the cache root. Such a
 * name and an org of the same name share `<cache>/<name>` and must never be
 * mixed up.
 */
import { hostname } from 'node:os';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execute } from '../../../executors/modelDownload.js';
import { FILES, hub, listTree, MODEL, setup, tempDir } from './downloadKit.js';
import { createBareRepo, gitHttpBackend } from './gitServer.js';

const GPT2 = { '.gitattributes': '*.bin filter=lfs\n', 'config.json': '{"n_layer":2}\n', 'onnx/decoder.onnx': Buffer.alloc(100_000, 5) };

async function gpt2Hub() {
  return hub({ models: { gpt2: GPT2, [MODEL]: FILES } });
}

describe('model_download of a one-segment name', () => {
  it('downloads gpt2 into <cache>/gpt2 and leaves no lock or temp dir', async () => {
    const { cache, server, make } = await setup({ hub: await gpt2Hub() });
    await expect(execute(make({ model: 'gpt2' }))).resolves.toEqual({
      model: 'gpt2',
      source: 'huggingface',
      only_if_missing: true,
      model_path: join(cache, 'gpt2'),
      model_installed_now: true,
      result: 'ok',
    });
    expect(await listTree(join(cache, 'gpt2'))).toEqual(['.gitattributes', 'config.json', 'onnx/decoder.onnx']);
    expect(await readdir(cache)).toEqual(['gpt2']);
    expect(server.downloads.sort()).toEqual(['gpt2/.gitattributes', 'gpt2/config.json', 'gpt2/onnx/decoder.onnx']);
  });

  it('finds llama3-8b-q4 in the cache and asks no one (only_if_missing, the default)', async () => {
    const { cache, server, make } = await setup({ hub: await gpt2Hub() });
    await mkdir(join(cache, 'llama3-8b-q4'));
    await writeFile(join(cache, 'llama3-8b-q4', 'model.gguf'), 'GGUF');
    await expect(execute(make({ model: 'llama3-8b-q4' }))).resolves.toEqual({
      model: 'llama3-8b-q4',
      source: 'huggingface',
      only_if_missing: true,
      model_path: join(cache, 'llama3-8b-q4'),
      model_installed_now: false,
      result: 'ok',
    });
    expect(server.requests).toEqual([]);
    expect(await readdir(cache)).toEqual(['llama3-8b-q4']);
  });

  it('keeps its lock and temp dir hidden in the cache root while downloading, and nothing at <cache>/gpt2', async () => {
    const { cache, server, make } = await setup({ hub: await gpt2Hub() });
    server.stallDownloads();
    const context = make({ model: 'gpt2' });
    const pending = execute(context);
    await expect.poll(() => server.downloads.length).toBeGreaterThan(0);
    const during = (await readdir(cache)).sort();
    expect(during).toHaveLength(2);
    expect(during[0]).toBe('.gpt2.lock');
    expect(during[1]).toMatch(/^\.gpt2\.tmp-[A-Za-z0-9]{6}$/);
    context.controller.abort(new Error('task cancelled: drain deadline'));
    await expect(pending).rejects.toThrow('task cancelled: drain deadline');
    server.release();
    // Cancelled: nothing that could count as installed, no lock left behind.
    expect(await readdir(cache)).toEqual([]);
  });

  it('two concurrent downloads of gpt2 leave one intact copy, each file downloaded once', async () => {
    const { cache, server, make } = await setup({ hub: await gpt2Hub() });
    server.stallDownloads();
    const first = make({ model: 'gpt2' });
    const second = make({ model: 'gpt2' });
    const a = execute(first);
    await expect.poll(() => server.downloads.length).toBeGreaterThan(0);
    const b = execute(second);
    await expect.poll(() => second.logs.some((line) => line.message === 'waiting for another download of gpt2 to finish')).toBe(true);
    server.release();
    const results = await Promise.all([a, b]);
    expect(results.map((r) => r.model_installed_now).sort()).toEqual([false, true]);
    expect(server.downloads).toHaveLength(3);
    expect(await listTree(join(cache, 'gpt2'))).toEqual(['.gitattributes', 'config.json', 'onnx/decoder.onnx']);
    expect(await readdir(cache)).toEqual(['gpt2']);
  });

  it('never counts an interrupted download as installed', async () => {
    const { cache, server, make } = await setup({ hub: await gpt2Hub() });
    server.cutNext('gpt2/onnx/decoder.onnx');
    await expect(execute(make({ model: 'gpt2' }))).rejects.toThrow(/^model_download of gpt2 failed: hub: download of gpt2\/onnx\/decoder\.onnx failed after/);
    expect(await readdir(cache)).toEqual([]);
    await expect(execute(make({ model: 'gpt2' }))).resolves.toMatchObject({ model_installed_now: true });
  });

  it('downloads again with only_if_missing=false and swaps the new copy in', async () => {
    const { cache, server, make } = await setup({ hub: await gpt2Hub() });
    await mkdir(join(cache, 'gpt2'));
    await writeFile(join(cache, 'gpt2', 'stale.bin'), 'old');
    await expect(execute(make({ model: 'gpt2', only_if_missing: 'false' }))).resolves.toMatchObject({ model_installed_now: true, only_if_missing: false });
    expect(await listTree(join(cache, 'gpt2'))).toEqual(['.gitattributes', 'config.json', 'onnx/decoder.onnx']);
    expect(await readdir(cache)).toEqual(['gpt2']);
    expect(server.downloads).toHaveLength(3);
  });

  it('takes over a dead lock in the cache root and removes exactly its own leftovers', async () => {
    const { cache, make } = await setup({ hub: await gpt2Hub() });
    await mkdir(join(cache, '.gpt2.tmp-dead01'));
    await writeFile(join(cache, '.gpt2.tmp-dead01', 'config.json'), '{"half":');
    await writeFile(join(cache, '.gpt2.lock'), JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), token: 'dead' }));
    // A download in progress of another model whose name starts like a temp dir of gpt2.
    await writeFile(join(cache, '.gpt2.tmp-abcdef.lock'), JSON.stringify({ pid: process.pid, host: hostname(), token: 'live' }));
    await mkdir(join(cache, '.gpt2.tmp-abcdef.tmp-q1w2e3'));
    await expect(execute(make({ model: 'gpt2' }))).resolves.toMatchObject({ model_installed_now: true });
    expect((await readdir(cache)).sort()).toEqual(['.gpt2.tmp-abcdef.lock', '.gpt2.tmp-abcdef.tmp-q1w2e3', 'gpt2']);
  });

  it('clones <endpoint>/<name> with git when the hub API fails', async () => {
    const repos = await tempDir('splai-git-');
    createBareRepo(repos, 'gpt2', { 'config.json': '{"from":"git"}\n' });
    const { cache, make } = await setup({ hub: await hub({ models: {}, fallback: gitHttpBackend(repos) }) });
    await expect(execute(make({ model: 'gpt2' }))).resolves.toMatchObject({ model_installed_now: true, model_path: join(cache, 'gpt2') });
    expect(await readFile(join(cache, 'gpt2', 'config.json'), 'utf8')).toBe('{"from":"git"}\n');
    expect((await stat(join(cache, 'gpt2', '.git'))).isDirectory()).toBe(true);
    expect(await readdir(cache)).toEqual(['gpt2']);
  });
});

describe('a one-segment name and an org of the same name', () => {
  it('does not take the org dir of acme/tiny-model for the model acme, with or without only_if_missing', async () => {
    const { cache, server, make } = await setup();
    await execute(make({ model: MODEL }));
    const requests = server.requests.length;
    for (const onlyIfMissing of ['true', 'false']) {
      await expect(execute(make({ model: 'acme', only_if_missing: onlyIfMissing }))).rejects.toThrow(
        'cannot install acme: the model cache holds models of an org called acme (acme/...) in that directory',
      );
    }
    expect(server.requests).toHaveLength(requests);
    expect(await listTree(join(cache, 'acme'))).toEqual(['tiny-model/config.json', 'tiny-model/model.safetensors', 'tiny-model/tokenizer/vocab.txt']);
  });

  it('counts an org dir with only a download in progress as an org', async () => {
    const { cache, make } = await setup();
    await mkdir(join(cache, 'acme', '.other.tmp-abc123'), { recursive: true });
    await writeFile(join(cache, 'acme', '.other.lock'), '{}');
    await expect(execute(make({ model: 'acme' }))).rejects.toThrow('cannot install acme: the model cache holds models of an org called acme');
  });

  it('does not write gpt2/onnx into the installed model gpt2, nor report its subdirectory as installed', async () => {
    const { cache, server, make } = await setup({ hub: await gpt2Hub() });
    await execute(make({ model: 'gpt2' }));
    const requests = server.requests.length;
    await expect(execute(make({ model: 'gpt2/onnx' }))).rejects.toThrow('cannot install gpt2/onnx: gpt2 in the model cache is the installed model "gpt2", not an org directory');
    expect(server.requests).toHaveLength(requests);
    expect(await listTree(join(cache, 'gpt2'))).toEqual(['.gitattributes', 'config.json', 'onnx/decoder.onnx']);
  });

  it('installs a one-segment model over an empty directory (an org dir left empty)', async () => {
    const { cache, make } = await setup({ hub: await gpt2Hub() });
    await mkdir(join(cache, 'gpt2'));
    await expect(execute(make({ model: 'gpt2' }))).resolves.toMatchObject({ model_installed_now: true });
    expect(await listTree(join(cache, 'gpt2'))).toEqual(['.gitattributes', 'config.json', 'onnx/decoder.onnx']);
  });

  it('refuses a name whose place is a file', async () => {
    const { cache, make } = await setup();
    await writeFile(join(cache, 'acme'), 'not a directory');
    await expect(execute(make({ model: 'acme' }))).rejects.toThrow(`cannot install acme: ${join(cache, 'acme')} is a file, not a model directory`);
    await expect(execute(make({ model: MODEL }))).rejects.toThrow(`cannot install ${MODEL}: ${join(cache, 'acme')} is a file, not an org directory`);
  });
});
