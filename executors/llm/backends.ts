/** Backend names (with the reference's aliases) -> implementation. */
import { llamaCpp } from './llamaCpp.js';
import { ollama } from './ollama.js';
import { remoteApi } from './remoteApi.js';
import type { LlmBackend } from './types.js';
import { vllm } from './vllm.js';

const backends: Readonly<Record<string, LlmBackend>> = {
  ollama,
  vllm,
  'llama.cpp': llamaCpp,
  llamacpp: llamaCpp,
  remote_api: remoteApi,
  remote: remoteApi,
  'remote-api': remoteApi,
};

/** The backend called `name` (lower-case), or undefined when there is none. */
export function llmBackend(name: string): LlmBackend | undefined {
  return Object.hasOwn(backends, name) ? backends[name] : undefined;
}
