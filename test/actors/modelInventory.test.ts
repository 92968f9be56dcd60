/**
 * The inventory against MSW fakes of each model server's listing API (replies as
 * in each API's docs), plus the model cache. Unhandled requests fail the test,
 * so an unconfigured backend that were asked would show.
 */
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ollamaNames } from '../../actors/backendModels.js';
import { createModelInventory, type InventoryLogger } from '../../actors/modelInventory.js';
import { resolveConfig, type WorkerConfig } from '../../config/index.js';

const OLLAMA = 'http://ollama.test:11434';
const VLLM = 'http://vllm.test:8000';
const LLAMACPP = 'http://llamacpp.test:8080';
const REMOTE = 'https://api.remote.test';
const KEY = 'sk-test-secret-key-1234';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function emptyCache(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'splai-inventory-'));
  dirs.push(dir);
  return dir;
}

function recorder(): InventoryLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (message) => lines.push(`warn ${message}`), info: (message) => lines.push(`info ${message}`) };
}

function config(overrides: Partial<WorkerConfig>): WorkerConfig {
  return resolveConfig({ artifactRoot: '/tmp/splai-test-unused', ...overrides });
}

const ollamaTags = (...names: string[]) =>
  HttpResponse.json({
    models: names.map((name) => ({ name, model: name, modified_at: '2024-05-01T10:00:00Z', size: 4_661_224_676, digest: 'sha256:365c0bd3c000', details: { format: 'gguf', family: 'llama', parameter_size: '8.0B', quantization_level: 'Q4_0' } })),
  });
const openAiModels = (...ids: string[]) => HttpResponse.json({ object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1_715_000_000, owned_by: 'vllm' })) });

describe('model inventory', () => {
  it('merges the cache and every configured backend: sorted, deduplicated', async () => {
    const cache = await emptyCache();
    await mkdir(join(cache, 'acme', 'tiny'), { recursive: true });
    await writeFile(join(cache, 'acme', 'tiny', 'config.json'), '{}');
    await mkdir(join(cache, 'llama3-8b-q4'));
    await writeFile(join(cache, 'llama3-8b-q4', 'model.gguf'), 'GGUF');
    const seen: Record<string, string | null> = {};
    server.use(
      http.get(`${OLLAMA}/api/tags`, () => ollamaTags('llama3:latest', 'llama3:8b', 'nomic-embed-text:latest')),
      http.get(`${VLLM}/v1/models`, () => openAiModels('meta-llama/Meta-Llama-3-8B-Instruct', 'llama3-8b-q4')),
      http.get(`${LLAMACPP}/v1/models`, () => openAiModels('/models/phi-3-mini.Q4_K_M.gguf')),
      http.get(`${REMOTE}/v1/models`, ({ request }) => {
        seen['authorization'] = request.headers.get('authorization');
        return openAiModels('gpt-4o-mini', ' gpt-4o ');
      }),
    );
    const inventory = createModelInventory(config({ modelCacheDir: cache, ollamaBaseUrl: OLLAMA, vllmBaseUrl: VLLM, llamacppBaseUrl: LLAMACPP, remoteApiBaseUrl: REMOTE, remoteApiKey: KEY }));
    await expect(inventory.list()).resolves.toEqual([
      '/models/phi-3-mini.Q4_K_M.gguf',
      'acme/tiny',
      'gpt-4o',
      'gpt-4o-mini',
      'llama3',
      'llama3-8b-q4',
      'llama3:8b',
      'llama3:latest',
      'meta-llama/Meta-Llama-3-8B-Instruct',
      'nomic-embed-text',
      'nomic-embed-text:latest',
    ]);
    expect(seen['authorization']).toBe(`Bearer ${KEY}`);
  });

  it('asks only the configured backends, and the remote API without a key sends no Authorization', async () => {
    let authorization: string | null = 'unset';
    server.use(
      http.get(`${REMOTE}/v1/models`, ({ request }) => {
        authorization = request.headers.get('authorization');
        return openAiModels('gpt-4o-mini');
      }),
    );
    const inventory = createModelInventory(config({ modelCacheDir: await emptyCache(), remoteApiBaseUrl: REMOTE }));
    await expect(inventory.list()).resolves.toEqual(['gpt-4o-mini']);
    expect(authorization).toBeNull();
  });

  it('accepts empty listings (Ollama with no models pulled, null data)', async () => {
    server.use(http.get(`${OLLAMA}/api/tags`, () => HttpResponse.json({ models: [] })), http.get(`${VLLM}/v1/models`, () => HttpResponse.json({ object: 'list', data: null })));
    const logger = recorder();
    const inventory = createModelInventory(config({ modelCacheDir: await emptyCache(), ollamaBaseUrl: OLLAMA, vllmBaseUrl: VLLM }), { logger });
    await expect(inventory.list()).resolves.toEqual([]);
    expect(logger.lines).toEqual([]);
  });

  it('a backend that fails contributes nothing, is logged once while it keeps failing, and again at info when it answers', async () => {
    let ollamaUp = false;
    server.use(
      http.get(`${OLLAMA}/api/tags`, () => (ollamaUp ? ollamaTags('llama3:latest') : HttpResponse.json({ error: 'internal' }, { status: 500 }))),
      http.get(`${VLLM}/v1/models`, () => openAiModels('qwen')),
    );
    const logger = recorder();
    const inventory = createModelInventory(config({ modelCacheDir: await emptyCache(), ollamaBaseUrl: OLLAMA, vllmBaseUrl: VLLM }), { logger });
    await expect(inventory.list()).resolves.toEqual(['qwen']);
    await expect(inventory.list()).resolves.toEqual(['qwen']);
    expect(logger.lines).toEqual([`warn model inventory: ollama (${OLLAMA}/api/tags): HTTP 500; its models are not advertised until it answers`]);
    ollamaUp = true;
    await expect(inventory.list()).resolves.toEqual(['llama3', 'llama3:latest', 'qwen']);
    expect(logger.lines.slice(1)).toEqual(['info model inventory: ollama answers again']);
  });

  it('gives up on a backend that does not answer within the timeout', async () => {
    server.use(
      http.get(`${VLLM}/v1/models`, async () => {
        await delay('infinite');
        return openAiModels('never');
      }),
      http.get(`${LLAMACPP}/v1/models`, () => openAiModels('phi')),
    );
    const logger = recorder();
    const inventory = createModelInventory(config({ modelCacheDir: await emptyCache(), vllmBaseUrl: VLLM, llamacppBaseUrl: LLAMACPP }), { logger, timeoutMillis: 50 });
    await expect(inventory.list()).resolves.toEqual(['phi']);
    expect(logger.lines).toEqual([`warn model inventory: vllm (${VLLM}/v1/models): did not answer within 0.05 s; its models are not advertised until it answers`]);
  });

  it('reports a reply of another shape, a refused connection and an unreadable cache, and still lists the rest', async () => {
    const parent = await emptyCache();
    await writeFile(join(parent, 'file'), 'x');
    server.use(
      http.get(`${OLLAMA}/api/tags`, () => HttpResponse.json({ models: [{ size: 1 }] })),
      http.get(`${VLLM}/v1/models`, () => HttpResponse.error()),
      http.get(`${REMOTE}/v1/models`, () => openAiModels('gpt-4o-mini')),
    );
    const logger = recorder();
    const inventory = createModelInventory(config({ modelCacheDir: join(parent, 'file'), ollamaBaseUrl: OLLAMA, vllmBaseUrl: VLLM, remoteApiBaseUrl: REMOTE }), { logger });
    await expect(inventory.list()).resolves.toEqual(['gpt-4o-mini']);
    expect(logger.lines.sort()).toEqual([
      expect.stringMatching(new RegExp(`^warn model inventory: model cache ${join(parent, 'file')}: ENOTDIR`)),
      expect.stringMatching(/^warn model inventory: ollama \(http:\/\/ollama\.test:11434\/api\/tags\): unexpected reply at models\.0\.name: /),
      expect.stringMatching(/^warn model inventory: vllm \(http:\/\/vllm\.test:8000\/v1\/models\): Failed to fetch/),
    ]);
  });

  it('never puts the key, URL credentials or a reply body into a message', async () => {
    const withCredentials = 'https://admin:hunter22@api.remote.test';
    server.use(http.get(`${REMOTE}/v1/models`, () => HttpResponse.json({ error: { message: `Incorrect API key provided: ${KEY}` } }, { status: 401 })));
    const logger = recorder();
    await expect(createModelInventory(config({ modelCacheDir: await emptyCache(), remoteApiBaseUrl: REMOTE, remoteApiKey: KEY }), { logger }).list()).resolves.toEqual([]);
    await expect(createModelInventory(config({ modelCacheDir: await emptyCache(), remoteApiBaseUrl: withCredentials, remoteApiKey: KEY }), { logger }).list()).resolves.toEqual([]);
    expect(logger.lines[0]).toBe(`warn model inventory: remote_api (${REMOTE}/v1/models): HTTP 401; its models are not advertised until it answers`);
    expect(logger.lines).toHaveLength(2);
    // fetch refuses a URL with credentials and quotes it: the password is cut out.
    expect(logger.lines[1]).toContain('https://[redacted]@api.remote.test/v1/models');
    const all = logger.lines.join('\n');
    expect(all).not.toContain(KEY);
    expect(all).not.toContain('hunter22');
    expect(all).not.toContain('Incorrect API key');
  });

  it('uses an injected fetch, and rejects with the reason when aborted', async () => {
    const asked: string[] = [];
    const fetch: typeof globalThis.fetch = async (input) => {
      asked.push(String(input));
      return Response.json({ models: [{ name: 'mistral:7b' }] });
    };
    const inventory = createModelInventory(config({ modelCacheDir: await emptyCache(), ollamaBaseUrl: OLLAMA }), { fetch });
    await expect(inventory.list()).resolves.toEqual(['mistral:7b']);
    expect(asked).toEqual([`${OLLAMA}/api/tags`]);
    const controller = new AbortController();
    controller.abort(new Error('registration cancelled'));
    await expect(inventory.list(controller.signal)).rejects.toThrow('registration cancelled');
  });
});

describe('Ollama names', () => {
  it('adds the untagged name for :latest only', () => {
    expect(ollamaNames('llama3:latest')).toEqual(['llama3:latest', 'llama3']);
    expect(ollamaNames('hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:latest')).toEqual(['hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:latest', 'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF']);
    expect(ollamaNames('llama3:8b')).toEqual(['llama3:8b']);
    expect(ollamaNames('llama3')).toEqual(['llama3']);
    expect(ollamaNames(':latest')).toEqual([':latest']);
    expect(ollamaNames('  ')).toEqual([]);
  });
});
