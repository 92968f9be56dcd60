/** Remote embedding backends against MSW fakes of Ollama and OpenAI-style servers. */
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerConfig } from '../../config/index.js';
import { execute as embeddingExecute } from '../../executors/embedding.js';
import { embedRemote } from '../../executors/remoteEmbedding.js';
import { fakeContext } from './fakeContext.js';

const OLLAMA = 'http://ollama.test:11434';
const VLLM = 'http://vllm.test:8000';
const REMOTE = 'https://api.remote.test';
const urls = { ollamaBaseUrl: OLLAMA, vllmBaseUrl: VLLM, remoteApiBaseUrl: REMOTE };

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const embed = (backend: string, texts: string[], config: Partial<WorkerConfig> = {}, model = 'nomic-embed-text') =>
  embedRemote(fakeContext({ type: 'embedding', config: { ...urls, ...config } }), { backend, model, texts });

interface Call {
  body: unknown;
  headers: Headers;
}

function record(url: string, reply: (body: unknown, index: number) => Response | Promise<Response>): Call[] {
  const calls: Call[] = [];
  server.use(
    http.post(url, async ({ request }) => {
      const body = await request.json();
      calls.push({ body, headers: request.headers });
      return reply(body, calls.length - 1);
    }),
  );
  return calls;
}

describe('ollama', () => {
  it('POSTs /api/embed with all texts and returns .embeddings', async () => {
    const calls = record(`${OLLAMA}/api/embed`, () =>
      HttpResponse.json({
        model: 'all-minilm',
        embeddings: [
          [0.010071029, -0.0017594862, 0.05007221],
          [-0.0098027075, 0.06042469, 0.025257962],
        ],
        total_duration: 14143917,
        load_duration: 1019500,
        prompt_eval_count: 8,
      }),
    );
    const vectors = await embed('ollama', ['Why is the sky blue?', 'Why is the grass green?'], {}, 'all-minilm');
    expect(vectors).toEqual([
      [0.010071029, -0.0017594862, 0.05007221],
      [-0.0098027075, 0.06042469, 0.025257962],
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body).toEqual({ model: 'all-minilm', input: ['Why is the sky blue?', 'Why is the grass green?'] });
    expect(calls[0]?.headers.get('content-type')).toBe('application/json');
  });

  it('falls back to /api/embeddings per text when /api/embed is missing (old servers)', async () => {
    const embedCalls = record(`${OLLAMA}/api/embed`, () => new HttpResponse('404 page not found', { status: 404, headers: { 'Content-Type': 'text/plain' } }));
    const legacy = record(`${OLLAMA}/api/embeddings`, (body) => HttpResponse.json({ embedding: [(body as { prompt: string }).prompt.length, 0.5] }));
    const vectors = await embed('ollama', ['a', 'bbb'], { embeddingHttpRetries: 1 });
    expect(vectors).toEqual([
      [1, 0.5],
      [3, 0.5],
    ]);
    expect(embedCalls).toHaveLength(2); // first try + 1 retry
    expect(legacy.map((call) => call.body)).toEqual([
      { model: 'nomic-embed-text', prompt: 'a' },
      { model: 'nomic-embed-text', prompt: 'bbb' },
    ]);
  });

  it('falls back when /api/embed returns another count', async () => {
    record(`${OLLAMA}/api/embed`, () => HttpResponse.json({ model: 'm', embeddings: [[1, 2]] }));
    const legacy = record(`${OLLAMA}/api/embeddings`, () => HttpResponse.json({ embedding: [9, 9] }));
    await expect(embed('ollama', ['x', 'y'])).resolves.toEqual([
      [9, 9],
      [9, 9],
    ]);
    expect(legacy).toHaveLength(2);
  });

  it('fails with status and body when both endpoints fail', async () => {
    record(`${OLLAMA}/api/embed`, () => HttpResponse.json({ error: 'model "nope" not found, try pulling it first' }, { status: 404 }));
    record(`${OLLAMA}/api/embeddings`, () => HttpResponse.json({ error: 'model "nope" not found, try pulling it first' }, { status: 404 }));
    await expect(embed('ollama', ['x'], { embeddingHttpRetries: 0 }, 'nope')).rejects.toThrow('ollama returned HTTP 404: {"error":"model \\"nope\\" not found, try pulling it first"}');
  });

  it('names the variable when the base URL is missing', async () => {
    await expect(embed('ollama', ['x'], { ollamaBaseUrl: '' })).rejects.toThrow('SPLAI_OLLAMA_BASE_URL is required for backend=ollama');
  });
});

const openAiReply = (vectors: number[][], order: number[] = vectors.map((_, i) => i)) =>
  HttpResponse.json({
    object: 'list',
    data: order.map((index) => ({ object: 'embedding', embedding: vectors[index], index })),
    model: 'text-embedding-3-small',
    usage: { prompt_tokens: 8, total_tokens: 8 },
  });

describe.each([
  { backend: 'vllm', base: VLLM, variable: 'SPLAI_VLLM_BASE_URL', key: undefined },
  { backend: 'remote_api', base: REMOTE, variable: 'SPLAI_REMOTE_API_BASE_URL', key: 'sk-emb-1' },
])('$backend', ({ backend, base, variable, key }) => {
  it('POSTs /v1/embeddings and returns the vectors in input order', async () => {
    const calls = record(`${base}/v1/embeddings`, () =>
      openAiReply(
        [
          [0.1, 0.2],
          [0.3, 0.4],
          [0.5, 0.6],
        ],
        [2, 0, 1],
      ),
    );
    const vectors = await embed(backend, ['one', 'two', 'three'], key === undefined ? {} : { remoteApiKey: key }, 'text-embedding-3-small');
    expect(vectors).toEqual([
      [0.1, 0.2],
      [0.3, 0.4],
      [0.5, 0.6],
    ]);
    expect(calls[0]?.body).toEqual({ model: 'text-embedding-3-small', input: ['one', 'two', 'three'] });
    expect(calls[0]?.headers.get('content-type')).toBe('application/json');
    expect(calls[0]?.headers.get('authorization')).toBe(key === undefined ? null : `Bearer ${key}`);
  });

  it('retries a failing call SPLAI_EMBEDDING_HTTP_RETRIES times', async () => {
    const calls = record(`${base}/v1/embeddings`, (_body, index) =>
      index < 2 ? HttpResponse.json({ error: { message: 'overloaded', type: 'server_error' } }, { status: 503 }) : openAiReply([[1, 2]]),
    );
    await expect(embed(backend, ['x'], { embeddingHttpRetries: 2 })).resolves.toEqual([[1, 2]]);
    expect(calls).toHaveLength(3);
  });

  it('gives up after the retries with the last error', async () => {
    const calls = record(`${base}/v1/embeddings`, () =>
      HttpResponse.json({ error: { message: "This model's maximum context length is 8192 tokens", type: 'invalid_request_error', param: null, code: null } }, { status: 400 }),
    );
    await expect(embed(backend, ['x'], { embeddingHttpRetries: 1 })).rejects.toThrow(`${backend} returned HTTP 400: {"error":{"message":"This model's maximum context length is 8192 tokens"`);
    expect(calls).toHaveLength(2);
  });

  it('reports a reply without vectors', async () => {
    record(`${base}/v1/embeddings`, () => HttpResponse.json({ object: 'list', data: [{ object: 'embedding', index: 0 }] }));
    await expect(embed(backend, ['x'], { embeddingHttpRetries: 0 })).rejects.toThrow(`${backend} returned an unexpected reply at data.0.embedding`);
  });

  it('names the variable when the base URL is missing', async () => {
    await expect(embed(backend, ['x'], { vllmBaseUrl: '', remoteApiBaseUrl: '' })).rejects.toThrow(`${variable} is required for backend=${backend}`);
  });
});

describe('through the embedding executor', () => {
  it('turns an empty vector list into a count failure and a good reply into the output', async () => {
    // A server that always answers one vector, whatever it was sent.
    record(`${VLLM}/v1/embeddings`, () => openAiReply([[0.6, 0.8]]));
    const context = fakeContext({ type: 'embedding', inputs: { texts_json: '["a","b"]', embedding_backend: 'vllm', embedding_model: 'bge' }, config: { ...urls, embeddingHttpRetries: 0 } });
    await expect(embeddingExecute(context)).rejects.toThrow(/count mismatch/);
    const one = fakeContext({ type: 'embedding', inputs: { text: 'a', embedding_backend: 'vllm', embedding_model: 'bge' }, config: urls });
    await expect(embeddingExecute(one)).resolves.toMatchObject({ backend: 'vllm', model: 'bge', text_count: 1, vectors: [[0.6, 0.8]] });
  });

  it('stops retrying when the task is aborted', async () => {
    let attempts = 0;
    server.use(
      http.post(`${VLLM}/v1/embeddings`, async () => {
        attempts += 1;
        await delay('infinite');
        return HttpResponse.json({});
      }),
    );
    const context = fakeContext({ type: 'embedding', config: { ...urls, embeddingHttpRetries: 5 } });
    const pending = embedRemote(context, { backend: 'vllm', model: 'm', texts: ['x'] });
    await expect.poll(() => attempts).toBe(1);
    context.controller.abort(new Error('task cancelled'));
    await expect(pending).rejects.toThrow('task cancelled');
    expect(attempts).toBe(1);
  });
});
