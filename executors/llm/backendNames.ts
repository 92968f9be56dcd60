/**
 * The names an llm_inference task may give for each backend, as the reference
 * worker accepts them (`runLLM` in its executor), keyed by the backend's own
 * name. The lookup is case-insensitive after trimming.
 */

/** A backend's own name, as this worker advertises and reports it. */
export type LlmBackendName = 'ollama' | 'vllm' | 'llama.cpp' | 'remote_api';

export const LLM_BACKEND_ALIASES: Readonly<Record<LlmBackendName, readonly string[]>> = {
  ollama: ['ollama'],
  vllm: ['vllm'],
  'llama.cpp': ['llama.cpp', 'llamacpp'],
  remote_api: ['remote_api', 'remote', 'remote-api'],
};

/** The backend a task's `backend` input names (any case, blanks ignored), or undefined when none. */
export function llmBackendName(name: string): LlmBackendName | undefined {
  const key = name.trim().toLowerCase();
  for (const [backend, aliases] of Object.entries(LLM_BACKEND_ALIASES) as [LlmBackendName, readonly string[]][]) {
    if (aliases.includes(key)) return backend;
  }
  return undefined;
}
