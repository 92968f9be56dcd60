/**
 * The backends a worker registers, seen through the gateway's backend filter:
 * an llm_inference task goes to a worker only when the task's normalised
 * `backend` equals one of the worker's normalised backends (`normalizeBackend`
 * and `workerSupportsBackend` in the gateway's scheduler, ported in
 * control-plane/workers.ts). The worker must receive every task its executor
 * can run, under any alias, and no task for a backend it does not run.
 */
import { describe, expect, it } from 'vitest';
import { inferBackends, normaliseBackend } from '../../actors/hostCapabilities.js';
import { resolveConfig, type WorkerConfig } from '../../config/index.js';
import { normalizeBackend, normalizeBackends } from '../../control-plane/workers.js';
import { LLM_BACKEND_ALIASES, llmBackendName, type LlmBackendName } from '../../executors/llm/backendNames.js';
import { llmBackend } from '../../executors/llm/backends.js';

const BASE_URLS: Record<LlmBackendName, Partial<WorkerConfig>> = {
  ollama: { ollamaBaseUrl: 'http://127.0.0.1:11434' },
  vllm: { vllmBaseUrl: 'http://127.0.0.1:8000' },
  'llama.cpp': { llamacppBaseUrl: 'http://127.0.0.1:8080' },
  remote_api: { remoteApiBaseUrl: 'https://api.example.test' },
};
const BACKENDS = Object.keys(LLM_BACKEND_ALIASES) as LlmBackendName[];
/** Every spelling a task may use: the aliases, in other cases and with blanks. */
const spellings = (backend: LlmBackendName) => LLM_BACKEND_ALIASES[backend].flatMap((alias) => [alias, alias.toUpperCase(), ` ${alias} `]);

const config = (overrides: Partial<WorkerConfig>) => resolveConfig({ artifactRoot: '/tmp/splai-test-unused', ...overrides });
/** Would the gateway hand a task naming `taskBackend` to a worker that registered `registered`? */
const gatewaySends = (registered: string[], taskBackend: string) => normalizeBackends(registered).includes(normalizeBackend(taskBackend));

describe('advertised backends', () => {
  it.each(BACKENDS)('with only %s configured, the gateway sends exactly the tasks the executor runs on it', (configured) => {
    const registered = inferBackends(config(BASE_URLS[configured]));
    for (const backend of BACKENDS) {
      for (const name of spellings(backend)) {
        expect({ name, sent: gatewaySends(registered, name) }).toEqual({ name, sent: backend === configured });
        // The executor runs each such name on that backend.
        expect(llmBackendName(name)).toBe(backend);
        expect(llmBackend(name.trim().toLowerCase())).toBeDefined();
      }
    }
  });

  it('registers remote_api also as remote, which the gateway does not map to remote_api', () => {
    expect(normalizeBackend('remote')).toBe('remote');
    expect(inferBackends(config(BASE_URLS.remote_api))).toEqual(['remote', 'remote_api']);
    expect(inferBackends(config({ ...BASE_URLS.ollama, ...BASE_URLS.vllm, ...BASE_URLS['llama.cpp'], ...BASE_URLS.remote_api }))).toEqual(['llama.cpp', 'ollama', 'remote', 'remote_api', 'vllm']);
  });

  it('takes SPLAI_WORKER_BACKENDS under any alias, and leaves out names no executor knows', () => {
    expect(inferBackends(config({ workerBackends: ['Remote', 'LLAMACPP', 'openai', 'local'] }))).toEqual(['llama.cpp', 'remote', 'remote_api']);
    expect(inferBackends(config({ workerBackends: ['remote-api'], ...BASE_URLS.remote_api }))).toEqual(['remote', 'remote_api']);
    expect(inferBackends(config({}))).toEqual([]);
  });

  it('every registered name survives the gateway normalisation unchanged', () => {
    const registered = inferBackends(config({ ...BASE_URLS.ollama, ...BASE_URLS.vllm, ...BASE_URLS['llama.cpp'], ...BASE_URLS.remote_api }));
    expect(normalizeBackends(registered).sort()).toEqual(registered);
    for (const name of ['Remote-API', ' llamacpp ', 'remote', 'OLLAMA', 'vLLM']) expect(normaliseBackend(name)).toBe(normalizeBackend(name));
  });
});
