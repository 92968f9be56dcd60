/** Backend names (with the reference's aliases, see backendNames.ts) -> implementation. */
import { llmBackendName, type LlmBackendName } from './backendNames.js';
import { llamaCpp } from './llamaCpp.js';
import { ollama } from './ollama.js';
import { remoteApi } from './remoteApi.js';
import type { LlmBackend } from './types.js';
import { vllm } from './vllm.js';

const backends: Readonly<Record<LlmBackendName, LlmBackend>> = { ollama, vllm, 'llama.cpp': llamaCpp, remote_api: remoteApi };

/** The backend called `name` or one of its aliases (case-insensitive), or undefined when there is none. */
export function llmBackend(name: string): LlmBackend | undefined {
  const backend = llmBackendName(name);
  return backend === undefined ? undefined : backends[backend];
}
