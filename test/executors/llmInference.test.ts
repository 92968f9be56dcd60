/**
 * llm_inference against MSW fakes of each model server. Request bodies and
 * headers are asserted exactly (parity with the reference worker); replies follow
 * each server's public API docs.
 */
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../executors/llmInference.js';
import { fakeContext } from './fakeContext.js';

const OLLAMA = 'http://ollama.test:11434';
const VLLM = 'http://vllm.test:8000';
const LLAMACPP = 'http://llamacpp.test:8080';
const REMOTE = 'https://api.remote.test';
const urls = { ollamaBaseUrl: OLLAMA, vllmBaseUrl: VLLM, llamacppBaseUrl: LLAMACPP, remoteApiBaseUrl: REMOTE };

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

interface Seen {
  body?: unknown;
  headers?: Headers;
}

/** Record what the worker sent, answer with `reply`. */
function capture(method: 'post', url: string, reply: () => Response | Promise<Response>): Seen {
  const seen: Seen = {};
  server.use(
    http[method](url, async ({ request }) => {
      seen.body = await request.json();
      seen.headers = request.headers;
      return reply();
    }),
  );
  return seen;
}

const run = (inputs: Record<string, string>, config = {}) => execute(fakeContext({ inputs, config: { ...urls, ...config } }));

describe('ollama', () => {
  it('POSTs /api/generate with the reference body and returns .response trimmed', async () => {
    const seen = capture('post', `${OLLAMA}/api/generate`, () =>
      HttpResponse.json({
        model: 'llama3.2',
        created_at: '2023-08-04T19:22:45.499127Z',
        response: '  The sky is blue because of Rayleigh scattering.\n',
        done: true,
        done_reason: 'stop',
        context: [1, 2, 3],
        total_duration: 5043500667,
        load_duration: 5025959,
        prompt_eval_count: 26,
        prompt_eval_duration: 325953000,
        eval_count: 290,
        eval_duration: 4709213000,
      }),
    );
    const output = await run({ prompt: 'Why is the sky blue?', model: 'llama3.2' });
    expect(output).toEqual({ backend: 'ollama', text: 'The sky is blue because of Rayleigh scattering.' });
    expect(seen.body).toEqual({ model: 'llama3.2', prompt: 'Why is the sky blue?', stream: false });
    expect(seen.headers?.get('content-type')).toBe('application/json');
    expect(seen.headers?.get('authorization')).toBeNull();
  });

  it('is the default backend, defaults the model and takes the prompt from text or op', async () => {
    const seen = capture('post', `${OLLAMA}/api/generate`, () => HttpResponse.json({ response: 'ok', done: true }));
    await run({ op: 'summarize this' });
    expect(seen.body).toEqual({ model: 'llama3-8b-q4', prompt: 'summarize this', stream: false });
  });

  it('fails with status and body when the model is missing', async () => {
    capture('post', `${OLLAMA}/api/generate`, () => HttpResponse.json({ error: "model 'nope' not found, try pulling it first" }, { status: 404 }));
    await expect(run({ prompt: 'hi', model: 'nope' })).rejects.toThrow(/^ollama returned HTTP 404: \{"error":"model 'nope' not found, try pulling it first"\}$/);
  });

  it('fails on an empty answer', async () => {
    capture('post', `${OLLAMA}/api/generate`, () => HttpResponse.json({ model: 'llama3.2', response: ' \n ', done: true }));
    await expect(run({ prompt: 'hi' })).rejects.toThrow('llm backend ollama returned an empty answer');
  });

  it('names the variable when the base URL is missing', async () => {
    await expect(run({ prompt: 'hi' }, { ollamaBaseUrl: '' })).rejects.toThrow('SPLAI_OLLAMA_BASE_URL is required for backend=ollama');
  });
});

describe('vllm', () => {
  it('POSTs /v1/completions with max_tokens 256 and returns choices[0].text', async () => {
    const seen = capture('post', `${VLLM}/v1/completions`, () =>
      HttpResponse.json({
        id: 'cmpl-3b1c6e0f2a0e4c2f9a6f',
        object: 'text_completion',
        created: 1716148230,
        model: 'meta-llama/Meta-Llama-3-8B-Instruct',
        choices: [{ index: 0, text: ' Paris is the capital of France.', logprobs: null, finish_reason: 'length', stop_reason: null }],
        usage: { prompt_tokens: 7, total_tokens: 263, completion_tokens: 256 },
      }),
    );
    const output = await run({ backend: 'VLLM', text: 'The capital of France is', model: 'meta-llama/Meta-Llama-3-8B-Instruct' });
    expect(output).toEqual({ backend: 'vllm', text: 'Paris is the capital of France.' });
    expect(seen.body).toEqual({ model: 'meta-llama/Meta-Llama-3-8B-Instruct', prompt: 'The capital of France is', max_tokens: 256 });
    expect(seen.headers?.get('content-type')).toBe('application/json');
  });

  it('defaults the model', async () => {
    const seen = capture('post', `${VLLM}/v1/completions`, () => HttpResponse.json({ choices: [{ index: 0, text: 'x' }] }));
    await run({ backend: 'vllm', prompt: 'p' });
    expect(seen.body).toEqual({ model: 'llama3-8b-q4', prompt: 'p', max_tokens: 256 });
  });

  it('reports the OpenAI-style error object', async () => {
    capture('post', `${VLLM}/v1/completions`, () =>
      HttpResponse.json({ object: 'error', message: 'The model `x` does not exist.', type: 'NotFoundError', param: null, code: 404 }, { status: 404 }),
    );
    await expect(run({ backend: 'vllm', prompt: 'p', model: 'x' })).rejects.toThrow('vllm returned HTTP 404: {"object":"error","message":"The model `x` does not exist."');
  });

  it('fails when there is no choice or an empty one', async () => {
    capture('post', `${VLLM}/v1/completions`, () => HttpResponse.json({ id: 'cmpl-1', object: 'text_completion', choices: [] }));
    await expect(run({ backend: 'vllm', prompt: 'p' })).rejects.toThrow('llm backend vllm returned an empty answer');
    capture('post', `${VLLM}/v1/completions`, () => HttpResponse.json({ choices: [{ index: 0, text: '', finish_reason: 'stop' }] }));
    await expect(run({ backend: 'vllm', prompt: 'p' })).rejects.toThrow('empty answer');
  });

  it('names the variable when the base URL is missing', async () => {
    await expect(run({ backend: 'vllm', prompt: 'p' }, { vllmBaseUrl: '' })).rejects.toThrow('SPLAI_VLLM_BASE_URL is required for backend=vllm');
  });
});

describe('llama.cpp', () => {
  it.each(['llama.cpp', 'llamacpp'])('%s POSTs /completion with n_predict and temperature and returns .content', async (name) => {
    const seen = capture('post', `${LLAMACPP}/completion`, () =>
      HttpResponse.json({
        content: ' Building a website can be done in 10 simple steps.',
        id_slot: 0,
        stop: true,
        model: 'models/7B/ggml-model-q4_0.gguf',
        tokens_predicted: 12,
        tokens_evaluated: 10,
        generation_settings: { n_ctx: 2048, temperature: 0.2 },
        prompt: 'Building a website can be done in',
        stop_type: 'eos',
        stopping_word: '',
        tokens_cached: 21,
        timings: { prompt_n: 10, prompt_ms: 40.1, predicted_n: 12, predicted_ms: 230.5 },
      }),
    );
    const output = await run({ backend: name, prompt: 'Building a website can be done in', model: 'qwen2.5-0.5b' });
    expect(output).toEqual({ backend: name, text: 'Building a website can be done in 10 simple steps.' });
    expect(seen.body).toEqual({ prompt: 'Building a website can be done in', n_predict: 256, temperature: 0.2, model: 'qwen2.5-0.5b' });
  });

  it('reports the server error object', async () => {
    capture('post', `${LLAMACPP}/completion`, () =>
      HttpResponse.json({ error: { code: 503, message: 'Loading model', type: 'unavailable_error' } }, { status: 503 }),
    );
    await expect(run({ backend: 'llamacpp', prompt: 'p' })).rejects.toThrow(
      'llama.cpp returned HTTP 503: {"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}',
    );
  });

  it('fails on an empty answer and on a reply without content', async () => {
    capture('post', `${LLAMACPP}/completion`, () => HttpResponse.json({ content: '', stop: true }));
    await expect(run({ backend: 'llamacpp', prompt: 'p' })).rejects.toThrow('empty answer');
    capture('post', `${LLAMACPP}/completion`, () => HttpResponse.json({ stop: true }));
    await expect(run({ backend: 'llamacpp', prompt: 'p' })).rejects.toThrow('llama.cpp returned an unexpected reply at content');
  });

  it('names the variable when the base URL is missing', async () => {
    await expect(run({ backend: 'llama.cpp', prompt: 'p' }, { llamacppBaseUrl: '' })).rejects.toThrow('SPLAI_LLAMACPP_BASE_URL is required for backend=llama.cpp');
  });
});

describe('remote_api', () => {
  const completion = (content: string | null) =>
    HttpResponse.json({
      id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      object: 'chat.completion',
      created: 1741569952,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 },
      service_tier: 'default',
    });

  it.each(['remote_api', 'remote', 'remote-api'])('%s POSTs /v1/chat/completions with the bearer key and returns the message', async (name) => {
    const seen = capture('post', `${REMOTE}/v1/chat/completions`, () => completion('Hello! How can I help?'));
    const output = await run({ backend: name, prompt: 'Hello' }, { remoteApiKey: 'sk-test-123' });
    expect(output).toEqual({ backend: name, text: 'Hello! How can I help?' });
    expect(seen.body).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], stream: false });
    expect(seen.headers?.get('authorization')).toBe('Bearer sk-test-123');
    expect(seen.headers?.get('content-type')).toBe('application/json');
  });

  it('sends no Authorization header without a key', async () => {
    const seen = capture('post', `${REMOTE}/v1/chat/completions`, () => completion('hi'));
    await run({ backend: 'remote_api', prompt: 'Hello', model: 'gpt-4.1' });
    expect(seen.headers?.has('authorization')).toBe(false);
    expect(seen.body).toMatchObject({ model: 'gpt-4.1' });
  });

  it('reports 401 with the error body', async () => {
    capture('post', `${REMOTE}/v1/chat/completions`, () =>
      HttpResponse.json(
        { error: { message: 'Incorrect API key provided: sk-wrong. You can find your API key at https://platform.openai.com/account/api-keys.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
        { status: 401 },
      ),
    );
    await expect(run({ backend: 'remote_api', prompt: 'p' }, { remoteApiKey: 'sk-wrong' })).rejects.toThrow(/^remote_api returned HTTP 401: \{"error":\{"message":"Incorrect API key provided/);
  });

  it('fails on a null (refusal) or empty content', async () => {
    capture('post', `${REMOTE}/v1/chat/completions`, () => completion(null));
    await expect(run({ backend: 'remote_api', prompt: 'p' })).rejects.toThrow('llm backend remote_api returned an empty answer');
  });

  it('names the variable when the base URL is missing', async () => {
    await expect(run({ backend: 'remote', prompt: 'p' }, { remoteApiBaseUrl: '' })).rejects.toThrow('SPLAI_REMOTE_API_BASE_URL is required for backend=remote_api');
  });
});

describe('every backend', () => {
  it('refuses an unknown backend', async () => {
    await expect(run({ backend: 'openai-magic', prompt: 'p' })).rejects.toThrow('unsupported llm backend "openai-magic"');
  });

  it('quotes at most 4 KiB of an error body, on one line', async () => {
    const html = `<html>\n<body>\n${'x'.repeat(10_000)}\n</body>\n</html>`;
    capture('post', `${OLLAMA}/api/generate`, () => new HttpResponse(html, { status: 502, headers: { 'Content-Type': 'text/html' } }));
    const error = await run({ prompt: 'p' }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message.startsWith('ollama returned HTTP 502: <html> <body> xxx')).toBe(true);
    expect(message).not.toContain('\n');
    const quoted = message.slice('ollama returned HTTP 502: '.length);
    expect(quoted.length).toBeLessThanOrEqual(4096);
    expect(quoted.length).toBeGreaterThan(4000);
  });

  it('fails a call that takes longer than the backend timeout', async () => {
    server.use(http.post(`${VLLM}/v1/completions`, async () => {
      await delay('infinite');
      return HttpResponse.json({});
    }));
    const context = fakeContext({ inputs: { backend: 'vllm', prompt: 'p' }, config: urls });
    const fast = { ...context, config: { ...context.config, backendTimeoutSeconds: 0.2 } };
    await expect(execute(fast)).rejects.toThrow('vllm did not answer within 0.2 s (SPLAI_BACKEND_TIMEOUT_SECONDS)');
  });

  it('aborts the request when the task is aborted, with the abort reason', async () => {
    let arrived!: () => void;
    const requestSeen = new Promise<void>((resolve) => (arrived = resolve));
    server.use(http.post(`${REMOTE}/v1/chat/completions`, async () => {
      arrived();
      await delay('infinite');
      return HttpResponse.json({});
    }));
    const context = fakeContext({ inputs: { backend: 'remote_api', prompt: 'p' }, config: urls });
    const pending = execute(context);
    await requestSeen;
    context.controller.abort(new Error('task cancelled: drain deadline'));
    await expect(pending).rejects.toThrow('task cancelled: drain deadline');
  });

  it('reports an unreachable server as a network failure', async () => {
    server.use(http.post(`${OLLAMA}/api/generate`, () => HttpResponse.error()));
    await expect(run({ prompt: 'p' })).rejects.toThrow(/^ollama request to http:\/\/ollama\.test:11434\/api\/generate failed: /);
  });
});
