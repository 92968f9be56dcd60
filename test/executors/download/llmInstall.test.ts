/** llm_inference with `_install_model_if_missing`: the model is installed first, then the backend called. */
import { http, HttpResponse, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../../executors/llmInference.js';
import { fakeContext } from '../fakeContext.js';
import { startFakeHub, type FakeHub } from './fakeHub.js';

const OLLAMA = 'http://ollama.test:11434';
const MODEL = 'acme/chat-small';
let hub: FakeHub;
let cache: string;
const mock = setupServer();
beforeAll(async () => {
  hub = await startFakeHub({ models: { [MODEL]: { 'config.json': '{"chat":true}' } } });
  cache = await mkdtemp(join(tmpdir(), 'splai-llm-install-'));
  mock.listen({ onUnhandledRequest: 'error' });
});
afterEach(() => mock.resetHandlers());
afterAll(async () => {
  mock.close();
  await hub.close();
  await rm(cache, { recursive: true, force: true });
});

describe('llm_inference _install_model_if_missing', () => {
  it('installs the model, then answers, and reports model, model_path, model_installed_now', async () => {
    const prompts: unknown[] = [];
    mock.use(
      http.all(`${hub.url}/*`, () => passthrough()),
      http.post(`${OLLAMA}/api/generate`, async ({ request }) => {
        prompts.push(await request.json());
        return HttpResponse.json({ model: MODEL, response: ' installed and ready ', done: true });
      }),
    );
    const run = () =>
      execute(fakeContext({ inputs: { prompt: 'hello', model: MODEL, _install_model_if_missing: 'true' }, config: { ollamaBaseUrl: OLLAMA, modelCacheDir: cache, hfEndpoint: hub.url } }));
    const modelPath = join(cache, 'acme', 'chat-small');
    await expect(run()).resolves.toEqual({ backend: 'ollama', text: 'installed and ready', model: MODEL, model_path: modelPath, model_installed_now: true });
    expect(await readFile(join(modelPath, 'config.json'), 'utf8')).toBe('{"chat":true}');
    await expect(run()).resolves.toMatchObject({ model_installed_now: false });
    expect(hub.downloads).toEqual([`${MODEL}/config.json`]);
    expect(prompts).toEqual([
      { model: MODEL, prompt: 'hello', stream: false },
      { model: MODEL, prompt: 'hello', stream: false },
    ]);
  });

  it("finds the gateway's default llama3-8b-q4 in the cache without asking the hub, then answers", async () => {
    await mkdir(join(cache, 'llama3-8b-q4'), { recursive: true });
    await writeFile(join(cache, 'llama3-8b-q4', 'model.gguf'), 'GGUF');
    const before = hub.requests.length;
    mock.use(http.post(`${OLLAMA}/api/generate`, () => HttpResponse.json({ model: 'llama3-8b-q4', response: 'ready', done: true })));
    const context = fakeContext({ inputs: { prompt: 'hello', model: 'llama3-8b-q4', _install_model_if_missing: 'true' }, config: { ollamaBaseUrl: OLLAMA, modelCacheDir: cache, hfEndpoint: hub.url } });
    await expect(execute(context)).resolves.toEqual({ backend: 'ollama', text: 'ready', model: 'llama3-8b-q4', model_path: join(cache, 'llama3-8b-q4'), model_installed_now: false });
    expect(hub.requests.length).toBe(before);
  });

  it('does not call the backend when the install fails', async () => {
    mock.use(http.all(`${hub.url}/*`, () => passthrough()));
    const context = fakeContext({ inputs: { prompt: 'hello', model: '../escape', _install_model_if_missing: 'true' }, config: { ollamaBaseUrl: OLLAMA, modelCacheDir: cache, hfEndpoint: hub.url } });
    // No handler for ollama: a call would fail the test as an unhandled request.
    await expect(execute(context)).rejects.toThrow('invalid model name "../escape": contains a relative path segment');
  });

  it('ignores the flag without a model', async () => {
    mock.use(http.post(`${OLLAMA}/api/generate`, () => HttpResponse.json({ response: 'hi', done: true })));
    const context = fakeContext({ inputs: { prompt: 'hello', _install_model_if_missing: 'true' }, config: { ollamaBaseUrl: OLLAMA, modelCacheDir: cache } });
    await expect(execute(context)).resolves.toEqual({ backend: 'ollama', text: 'hi' });
  });
});
